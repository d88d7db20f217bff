using Edge.Gateway.Cli;

// Verbs live in Cli/; each area registers itself (Shelves/ShelvesRegistration.cs, Simulation/SimulationRegistration.cs).
return await GatewayCli.RunAsync(args);
