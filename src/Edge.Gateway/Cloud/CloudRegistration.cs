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
    public static WebApplicationBuilder AddCloudSync(this WebApplicationBuilder builder, CloudOptions cloud, string storeId)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(cloud);
        IServiceCollection services = builder.Services;
        services.AddSingleton<StoreDataStore>();
        services.AddSingleton<DesiredConfigStore>();
        if (cloud.Mode == CloudMode.None)
        {
            return builder;
        }

        services.AddSingleton(cloud);
        services.AddSingleton(cloud.Pump);
        services.AddKeyedSingleton(OutboxFile, (sp, _) =>
        {
            GatewayOptions gateway = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            GatewayDatabase db = GatewayDatabase.Open(gateway.DataDir, sp.GetRequiredService<TimeProvider>(), OutboxFile);
            if (db.QuarantinedTo is { } aside)
            {
                ShelfLog.DatabaseQuarantined(sp.GetRequiredService<ILogger<GatewayDatabase>>(), db.Path, aside);
            }

            return db;
        });
        services.AddSingleton(sp => new DurableOutbox(sp.GetRequiredKeyedService<GatewayDatabase>(OutboxFile).Db, cloud.Outbox, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ICloudTransport>(sp =>
        {
            string gatewayId = sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Id;
            TimeProvider time = sp.GetRequiredService<TimeProvider>();
            return cloud.Mode switch
            {
                CloudMode.Mqtt => new MqttTransport(cloud.Mqtt, storeId, gatewayId, time: time),
                _ => Edge.Cloud.IotHub.IotHubTransport.Create(cloud.IotHub, sp.GetRequiredService<IOptions<GatewayOptions>>().Value.DataDir, time),
            };
        });
        services.AddSingleton(sp => new OutboxPump(sp.GetRequiredService<DurableOutbox>(), sp.GetRequiredService<ICloudTransport>(), cloud.Pump, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ShelfEventBridge(sp.GetRequiredService<ShelfStore>(), sp.GetRequiredService<StockJournal>(), sp.GetRequiredService<DurableOutbox>(), sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Id));
        services.AddSingleton<CloudCommandRouter>();
        services.AddSingleton<CloudSyncService>();
        services.AddHostedService(sp => sp.GetRequiredService<CloudSyncService>());
        return builder;
    }
}
