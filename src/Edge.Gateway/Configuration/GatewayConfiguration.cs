using System.Diagnostics.CodeAnalysis;
using Edge.Gateway.Cloud;
using Edge.Gateway.Shelves;

namespace Edge.Gateway.Configuration;

/// <summary>The configuration sections the gateway needs before it can start, bound and validated together.</summary>
public sealed record GatewayConfiguration(GatewayOptions Gateway, StoreOptions Store, SimulationOptions Simulation, DetectionOptions Detection, CloudOptions Cloud, Beacons.BeaconOptions Beacons, List<ShelfOptions> Shelves)
{
    /// <summary>Binds every section; on failure returns each problem naming its key.</summary>
    public static bool TryLoad(IConfiguration configuration, [NotNullWhen(true)] out GatewayConfiguration? settings, out List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        settings = null;
        problems = [];
        GatewayOptions? gateway = Bind<GatewayOptions>(configuration.GetSection("Gateway"), problems);
        SimulationOptions? simulation = Bind<SimulationOptions>(configuration.GetSection("Simulation"), problems);
        DetectionOptions? detection = Bind<DetectionOptions>(configuration.GetSection("Detection"), problems);
        StoreOptions? store = Bind<StoreOptions>(configuration.GetSection("Store"), problems);
        CloudOptions? cloud = Bind<CloudOptions>(configuration.GetSection("Cloud"), problems);
        Beacons.BeaconOptions? beacons = Bind<Beacons.BeaconOptions>(configuration.GetSection("Beacons"), problems);

        // Bound one by one: the binder silently skips a list element it cannot convert, and a shelf must never
        // vanish because of a typo.
        var shelves = new List<ShelfOptions>();
        var paths = new List<string>();
        foreach (IConfigurationSection child in configuration.GetSection("Shelves").GetChildren())
        {
            if (Bind<ShelfOptions>(child, problems) is { } shelf)
            {
                shelves.Add(shelf);
                paths.Add(child.Path);
            }
        }

        if (gateway is null || simulation is null || detection is null || store is null || cloud is null || beacons is null)
        {
            return false;
        }

        problems.AddRange(SettingsValidator.Validate(gateway, simulation, detection, shelves, paths));
        problems.AddRange(cloud.Problems());
        problems.AddRange(beacons.Problems());
        if (beacons.ReplayFile is { } replay && !File.Exists(replay))
        {
            problems.Add($"Beacons:ReplayFile '{replay}' does not exist");
        }
        if (cloud.Mode != CloudMode.None)
        {
            // Both become MQTT topic levels.
            foreach ((string key, string value) in new[] { ("Store:Id", store.Id), ("Gateway:Id", gateway.Id) })
            {
                if (!Edge.Cloud.Mqtt.MqttTopics.IsLevel(value))
                {
                    problems.Add($"{key} must not be empty or contain / + #");
                }
            }
        }

        if (problems.Count == 0)
        {
            settings = new GatewayConfiguration(gateway, store, simulation, detection, cloud, beacons, shelves);
        }

        return settings is not null;
    }

    private static T? Bind<T>(IConfigurationSection section, List<string> problems)
        where T : class, new()
    {
        try
        {
            return section.Get<T>(o => o.ErrorOnUnknownConfiguration = true) ?? new T();
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the key and the value it could not convert, or the unknown key.
            problems.Add(ex.Message);
            return null;
        }
    }

    /// <summary>True when the kernel exposes a GPIO character device.</summary>
    public static bool HasGpioChip() => Directory.Exists("/dev") && Directory.EnumerateFiles("/dev", "gpiochip*").Any();
}
