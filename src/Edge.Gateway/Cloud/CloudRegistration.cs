using Edge.Cloud.Mqtt;
using Edge.Cloud.Outbox;
using Edge.Cloud.Transport;
using Edge.Gateway.Commands;
using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Cloud;

/// <summary>Registers cloud sync: the outbox (its own LiteDB file), the transport for <c>Cloud:Mode</c>, the pump, the bridge and the router.</summary>
public static class CloudRegistration
{
    /// <summary>Outbox file in the data directory; the host opens it (keyed by this name) when a cloud mode is set.</summary>
    public const string OutboxFile = "outbox.db";

    /// <summary>Binds <c>Cloud</c>, validated at start.</summary>
    public static IServiceCollection AddCloudOptions(this IServiceCollection services) =>
        services.AddValidatedOptions<CloudOptions, CloudOptionsValidator>("Cloud").Services;

    /// <summary>
    /// Adds the live settings (whatever the mode: local changes need them too) and, unless <paramref name="mode"/> is
    /// <see cref="CloudMode.None"/>, everything that talks to the cloud.
    /// </summary>
    public static WebApplicationBuilder AddCloudSync(this WebApplicationBuilder builder, CloudMode mode)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        services.AddCloudOptions();
        services.AddSingleton<LiveSettingsRepository>();
        services.AddSingleton<LiveSettings>();
        services.AddSingleton<ICommandHandler<SetLiveSetting>>(sp => sp.GetRequiredService<LiveSettings>());
        if (mode == CloudMode.None)
        {
            services.AddHealthChecks().AddCheck("cloud", () => HealthCheckResult.Healthy(data: new Dictionary<string, object> { ["cloud"] = new { mode = "None" } }), tags: [GatewayHealth.Live]);
            return builder;
        }

        services.AddSingleton(sp => new DurableOutbox(sp.GetRequiredKeyedService<GatewayDatabase>(OutboxFile), Cloud(sp).Outbox.ToOptions(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ICloudTransport>(sp =>
        {
            CloudOptions cloud = Cloud(sp);
            GatewayOptions gateway = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            string store = sp.GetRequiredService<IOptions<StoreOptions>>().Value.Id;
            TimeProvider time = sp.GetRequiredService<TimeProvider>();
            LinkedTransport transport = cloud.Mode switch
            {
                CloudMode.Mqtt => new MqttTransport(cloud.Mqtt, RetailTopics.For(store, gateway.Id), RetailTopics.ClientId(store, gateway.Id), time: time, limits: cloud.Inbound),
                _ => Edge.Cloud.IotHub.IotHubTransport.Create(cloud.IotHub, gateway.DataDir, time, cloud.Inbound, StoreData.StoreDataKinds.IotHubKind),
            };
            ILogger logger = sp.GetRequiredService<ILogger<CloudCommandRouter>>();
            transport.InboundFailed += (what, ex) => CloudLog.InboundFailed(logger, what, ex);
            return transport;
        });
        services.AddSingleton(sp => new OutboxPump(sp.GetRequiredService<DurableOutbox>(), sp.GetRequiredService<ICloudTransport>(), Cloud(sp).Pump, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ShelfEventBridge(
            sp.GetRequiredService<ShelfRepository>(),
            sp.GetRequiredService<GatewayDatabase>(),
            sp.GetRequiredService<Events.EventBus>(),
            sp.GetRequiredService<DurableOutbox>(),
            sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Id,
            sp.GetRequiredKeyedService<GatewayDatabase>(OutboxFile).QuarantinedTo,
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<BeaconEventForwarder>();
        services.AddSingleton<OmnichannelForwarder>();
        services.AddSingleton<SignageForwarder>();
        services.AddSingleton<OfferForwarder>();
        services.AddSingleton<TemperatureForwarder>();
        services.TryAddSingleton<PickToLight.PickedLines>(); // also without the strip: the forwarder resends what it holds
        services.AddSingleton<PickToLightForwarder>();
        services.AddSingleton<ScreenStatePublisher>();
        services.AddSingleton<ICommandHandler<ResyncStockLevels>, ResyncStockLevelsHandler>();
        services.AddSingleton<CloudCommandRouter>();
        services.AddSingleton<CloudSyncService>();
        services.AddHostedService(sp => sp.GetRequiredService<CloudSyncService>());
        services.AddHealthChecks().AddCheck<CloudHealthCheck>("cloud", tags: [GatewayHealth.Live]);
        return builder;
    }

    private static CloudOptions Cloud(IServiceProvider sp) => sp.GetRequiredService<IOptions<CloudOptions>>().Value;
}
