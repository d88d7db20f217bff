using System.Diagnostics.CodeAnalysis;
using Edge.Gateway.Shelves;

namespace Edge.Gateway.Configuration;

/// <summary>The configuration sections the gateway needs before it can start, bound and validated together.</summary>
public sealed record GatewayConfiguration(GatewayOptions Gateway, SimulationOptions Simulation, DetectionOptions Detection, List<ShelfOptions> Shelves)
{
    /// <summary>Binds every section; on failure returns each problem naming its key.</summary>
    public static bool TryLoad(IConfiguration configuration, [NotNullWhen(true)] out GatewayConfiguration? settings, out List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        settings = null;
        problems = [];
        try
        {
            var gateway = configuration.GetSection("Gateway").Get<GatewayOptions>() ?? new GatewayOptions();
            var simulation = configuration.GetSection("Simulation").Get<SimulationOptions>() ?? new SimulationOptions();
            var detection = configuration.GetSection("Detection").Get<DetectionOptions>() ?? new DetectionOptions();
            var shelves = configuration.GetSection("Shelves").Get<List<ShelfOptions>>() ?? [];
            problems = SettingsValidator.Validate(gateway, simulation, detection, shelves);
            if (problems.Count == 0)
            {
                settings = new GatewayConfiguration(gateway, simulation, detection, shelves);
            }
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the key and the value it could not convert.
            problems.Add(ex.Message);
        }

        return settings is not null;
    }

    /// <summary>True when the kernel exposes a GPIO character device.</summary>
    public static bool HasGpioChip() => Directory.Exists("/dev") && Directory.EnumerateFiles("/dev", "gpiochip*").Any();
}
