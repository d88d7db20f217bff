namespace Edge.Gateway.Simulation;

/// <summary>Section <c>Simulation</c>.</summary>
public sealed class SimulationOptions
{
    /// <summary>Run on the simulated store even if a GPIO chip is present (<c>Simulation:Enabled</c>, <c>--simulate</c>).</summary>
    public bool Enabled { get; set; }

    /// <summary>Simulated shopper pick/put actions per minute across the store; 0 disables them (<c>--sim-shopper-rate</c>).</summary>
    public double ShopperRatePerMinute { get; set; } = 6;

    /// <summary>Seed of the simulation's randomness, for reproducible demos.</summary>
    public int Seed { get; set; } = 20261122;
}
