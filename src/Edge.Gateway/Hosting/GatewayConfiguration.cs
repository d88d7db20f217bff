using System.Diagnostics.CodeAnalysis;
using Edge.Gateway.Admin;
using Edge.Gateway.Beacons;
using Edge.Gateway.Cloud;
using Edge.Gateway.Observability;
using Edge.Gateway.Shelves;
using Edge.Gateway.Omnichannel;
using Edge.Gateway.Offers;
using Edge.Gateway.PickToLight;
using Edge.Gateway.Signage;
using Edge.Gateway.Simulation;
using Edge.Gateway.Temperature;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Hosting;

/// <summary>
/// Every area's options, bound and validated together before anything starts, so that every bad key is named at once
/// (exit 2). It uses the same registrations the host does (each area's own <c>Add…Options</c>), so the pre-flight and
/// the running gateway cannot disagree about what is valid.
/// </summary>
public sealed record GatewayConfiguration(GatewayOptions Gateway, StoreOptions Store, SimulationOptions Simulation, DetectionOptions Detection, CloudOptions Cloud, BeaconOptions Beacons, List<ShelfOptions> Shelves, ScreensOptions Screens, Admin.AdminOptions Admin, TemperatureOptions Temperature, Clock.RtcOptions Rtc, PickToLightOptions PickToLight)
{
    /// <summary>Registers the host's own sections, <c>Gateway</c> and <c>Store</c> (the areas register theirs).</summary>
    public static IServiceCollection AddHostOptions(IServiceCollection services)
    {
        services.AddValidatedOptions<GatewayOptions, GatewayOptionsValidator>("Gateway");
        services.AddValidatedOptions<StoreOptions, StoreOptionsValidator>("Store");
        return services;
    }

    /// <summary>Binds and validates every section; on failure returns each problem naming its key.</summary>
    public static bool TryLoad(IConfiguration configuration, [NotNullWhen(true)] out GatewayConfiguration? settings, out List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        AddHostOptions(services).AddShelfOptions().AddSimulationOptions().AddCloudOptions().AddBeaconOptions().AddOmnichannelOptions().AddScreenOptions().AddOffersOptions().AddAdminOptions().AddMetricsOptions().AddTemperatureOptions().AddPickToLightOptions();
        Clock.ClockRegistration.AddRtcOptions(services);
        using ServiceProvider provider = services.BuildServiceProvider();
        var found = new List<string>();
        T? Get<T>()
            where T : class
        {
            try
            {
                return provider.GetRequiredService<IOptions<T>>().Value;
            }
            catch (OptionsValidationException ex)
            {
                found.AddRange(ex.Failures);
                return null;
            }
        }

        GatewayOptions? gateway = Get<GatewayOptions>();
        StoreOptions? store = Get<StoreOptions>();
        SimulationOptions? simulation = Get<SimulationOptions>();
        DetectionOptions? detection = Get<DetectionOptions>();
        ShelvesOptions? shelves = Get<ShelvesOptions>();
        CloudOptions? cloud = Get<CloudOptions>();
        BeaconOptions? beacons = Get<BeaconOptions>();
        _ = Get<OmnichannelOptions>();
        ScreensOptions? screens = Get<ScreensOptions>();
        _ = Get<Offers.OffersOptions>();
        Admin.AdminOptions? admin = Get<Admin.AdminOptions>();
        _ = Get<Observability.MetricsOptions>();
        TemperatureOptions? temperature = Get<TemperatureOptions>();
        Clock.RtcOptions? rtc = Get<Clock.RtcOptions>();
        PickToLightOptions? pickToLight = Get<PickToLightOptions>();
        problems = found;
        settings = found.Count > 0 || gateway is null || store is null || simulation is null || detection is null || shelves is null || cloud is null || beacons is null || screens is null || admin is null || temperature is null || rtc is null || pickToLight is null
            ? null
            : new GatewayConfiguration(gateway, store, simulation, detection, cloud, beacons, shelves.Shelves, screens, admin, temperature, rtc, pickToLight);
        return settings is not null;
    }

    /// <summary>
    /// What names a shelf <paramref name="layout"/> does not have (screens, chilled cases, the pick-to-light strip):
    /// checked at start and before a layout change is accepted, so removing a shelf cannot leave a gateway that will
    /// not start.
    /// </summary>
    public IEnumerable<string> ProblemsWith(ShelfLayout layout) =>
        Screens.ProblemsWith(layout).Concat(Temperature.ProblemsWith(layout)).Concat(PickToLight.ProblemsWith(layout));

    /// <summary>True when the kernel exposes a GPIO character device.</summary>
    public static bool HasGpioChip() => Directory.Exists("/dev") && Directory.EnumerateFiles("/dev", "gpiochip*").Any();
}
