namespace Edge.Gateway.Simulation;

/// <summary>Section <c>Simulation</c>.</summary>
public sealed class SimulationOptions
{
    /// <summary>Run on the simulated store even if a GPIO chip is present (<c>Simulation:Enabled</c>, <c>--simulate</c>).</summary>
    public bool Enabled { get; set; }

    /// <summary>Simulated shopper pick/put actions per minute across the store; 0 disables them (<c>--sim-shopper-rate</c>).</summary>
    public double ShopperRatePerMinute { get; set; } = 6;

    /// <summary>
    /// With no cloud configured, seed the demo store data and play the online shop (online stock changes,
    /// click-and-collect orders); ignored when a cloud sends the store data.
    /// </summary>
    public bool OnlineShop { get; set; } = true;

    /// <summary>When no beacon replay file is configured, replay a capture of the simulated busy store (written once to the data directory).</summary>
    public bool BeaconCapture { get; set; } = true;

    /// <summary>Seed of the simulation's randomness, for reproducible demos.</summary>
    public int Seed { get; set; } = 20261122;
}
