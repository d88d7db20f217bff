using Edge.Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Beacons;

/// <summary>Registers the beacon service and <c>GET /api/beacons</c>.</summary>
public static class BeaconsRegistration
{
    /// <summary>Adds the beacon service.</summary>
    public static WebApplicationBuilder AddBeacons(this WebApplicationBuilder builder, BeaconOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(sp => new BeaconSecret(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.DataDir));
        builder.Services.AddSingleton<BeaconService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BeaconService>());
        return builder;
    }

    /// <summary>Maps <c>GET /api/beacons</c>: registered beacons' health and shoppers per zone (counts only).</summary>
    public static WebApplication MapBeaconEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/beacons", (BeaconService beacons) => beacons.Snapshot());
        return app;
    }
}
