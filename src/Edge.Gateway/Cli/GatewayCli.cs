using System.CommandLine;

namespace Edge.Gateway.Cli;

/// <summary>The <c>edge-gateway</c> command line: <c>run</c> is the default verb.</summary>
internal static class GatewayCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("In-store IoT edge gateway: smart shelves, stock and store-and-forward to the cloud.");
        root.Subcommands.Add(RunCommand.Configure(new Command("run", "Run the gateway (the default). Simulates the store when no GPIO chip is present.")));
        root.Subcommands.Add(CloudCommands.IotHub());
        root.Subcommands.Add(CloudCommands.Dps());
        root.Subcommands.Add(BleCommands.Build());
        return root;
    }

    /// <summary>With no verb, or only options, the verb is <c>run</c>.</summary>
    public static string[] WithDefaultVerb(string[] args) =>
        args.Length == 0 || (args[0].StartsWith('-') && args[0] is not ("-h" or "--help" or "-?" or "--version")) ? ["run", .. args] : args;
}
