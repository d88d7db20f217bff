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
        problems.AddRange(CertificateProblems(configuration, gateway));
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
        // Unknown keys are found first, all of them, by path: a typo must stop the gateway, not be ignored.
        List<string> unknown = [.. ConfigurationKeys.Unknown(section, typeof(T))];
        if (unknown.Count > 0)
        {
            problems.AddRange(unknown);
            return null;
        }

        try
        {
            return section.Get<T>() ?? new T();
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the key and the value it could not convert.
            problems.Add(ConfigurationKeys.Explain(ex.Message, typeof(T)));
            return null;
        }
    }

    // Kestrel needs a certificate for an https URL; without one it fails at start with a stack trace.
    private static IEnumerable<string> CertificateProblems(IConfiguration configuration, GatewayOptions gateway)
    {
        bool https = gateway.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        if (!https)
        {
            yield break;
        }

        string? cert = configuration["Kestrel:Certificates:Default:Path"];
        if (string.IsNullOrWhiteSpace(cert))
        {
            yield return "Gateway:Urls has an https:// URL but no certificate is configured (Kestrel:Certificates:Default:Path, with :KeyPath or :Password)";
        }
        else if (!File.Exists(cert))
        {
            yield return $"Kestrel:Certificates:Default:Path '{cert}' does not exist";
        }
    }

    /// <summary>True when the kernel exposes a GPIO character device.</summary>
    public static bool HasGpioChip() => Directory.Exists("/dev") && Directory.EnumerateFiles("/dev", "gpiochip*").Any();
}
