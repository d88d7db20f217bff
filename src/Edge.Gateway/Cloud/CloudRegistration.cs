using Edge.Cloud.Mqtt;
using Edge.Cloud.Outbox;
using Edge.Cloud.Transport;
using Edge.Gateway.Configuration;
using Edge.Gateway.Shelves;
using Edge.Gateway.Storage;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Cloud;

/// <summary>Registers cloud sync: the outbox (its own LiteDB file), the transport for <c>Cloud:Mode</c>, the pump and the router.</summary>
public static class CloudRegistration
{
    /// <summary>Outbox file in the data directory.</summary>
    public const string OutboxFile = "outbox.db";

    /// <summary>Adds cloud sync; with <c>Cloud:Mode=None</c> nothing is queued and nothing connects.</summary>
    /// <param name="builder">The host.</param>
    /// <param name="cloud">The validated <c>Cloud</c> section.</param>
    /// <param name="storeId">The store, for topics.</param>
    /// <param name="outboxDatabase">The opened <c>outbox.db</c> (null with <c>Cloud:Mode=None</c>).</param>
    public static WebApplicationBuilder AddCloudSync(this WebApplicationBuilder builder, CloudOptions cloud, string storeId, GatewayDatabase? outboxDatabase)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(cloud);
        IServiceCollection services = builder.Services;
        services.AddSingleton<StoreDataStore>();
        services.AddSingleton<DesiredConfigStore>();
        if (cloud.Mode == CloudMode.None || outboxDatabase is null)
        {
            return builder;
        }

        services.AddSingleton(cloud);
        services.AddSingleton(cloud.Pump);
        services.AddKeyedSingleton(OutboxFile, outboxDatabase);
        services.AddSingleton(sp => new DurableOutbox(outboxDatabase, cloud.Outbox, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ICloudTransport>(sp =>
        {
            string gatewayId = sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Id;
            TimeProvider time = sp.GetRequiredService<TimeProvider>();
            LinkedTransport transport = cloud.Mode switch
            {
                CloudMode.Mqtt => new MqttTransport(cloud.Mqtt, storeId, gatewayId, time: time, limits: cloud.Inbound),
                _ => Edge.Cloud.IotHub.IotHubTransport.Create(cloud.IotHub, sp.GetRequiredService<IOptions<GatewayOptions>>().Value.DataDir, time, cloud.Inbound),
            };
            ILogger logger = sp.GetRequiredService<ILogger<CloudCommandRouter>>();
            transport.InboundFailed += (what, ex) => CloudLog.InboundFailed(logger, what, ex);
            return transport;
        });
        services.AddSingleton(sp => new OutboxPump(sp.GetRequiredService<DurableOutbox>(), sp.GetRequiredService<ICloudTransport>(), cloud.Pump, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ShelfEventBridge(
            sp.GetRequiredService<ShelfStore>(),
            sp.GetRequiredService<GatewayDatabase>(),
            sp.GetRequiredService<StockJournal>(),
            sp.GetRequiredService<DurableOutbox>(),
            sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Id,
            outboxDatabase.QuarantinedTo,
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<CloudCommandRouter>();
        services.AddSingleton<CloudSyncService>();
        services.AddHostedService(sp => sp.GetRequiredService<CloudSyncService>());
        return builder;
    }
}
