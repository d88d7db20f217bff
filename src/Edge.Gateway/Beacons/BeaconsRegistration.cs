using Edge.Gateway.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Beacons;

/// <summary>Registers the beacon service, its health and <c>GET /api/beacons</c>.</summary>
public static class BeaconsRegistration
{
    /// <summary>Binds <c>Beacons</c>, validated at start.</summary>
    public static IServiceCollection AddBeaconOptions(this IServiceCollection services) =>
        services.AddValidatedOptions<BeaconOptions, BeaconOptionsValidator>("Beacons").Services;

    /// <summary>Adds the beacon service; its events go on the event bus.</summary>
    public static WebApplicationBuilder AddBeacons(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddBeaconOptions();
        builder.Services.AddSingleton(sp => new BeaconSecret(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.DataDir));
        builder.Services.AddSingleton<BeaconService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BeaconService>());
        builder.Services.AddHealthChecks().AddCheck<BeaconsHealthCheck>("beacons", tags: [GatewayHealth.Live]);
        return builder;
    }

    /// <summary>Maps <c>GET /api/beacons</c>: registered beacons' health and shoppers per zone (counts only).</summary>
    public static WebApplication MapBeacons(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/beacons", (BeaconService beacons) => beacons.Snapshot());
        return app;
    }
}

/// <summary>The beacon side for <c>/healthz</c>: where beacons come from and the last receiver problem. Never unhealthy: the store works without beacons.</summary>
internal sealed class BeaconsHealthCheck(BeaconService beacons) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy(data: new Dictionary<string, object>
        {
            ["beacons"] = new { source = beacons.Source, lastProblem = beacons.LastProblem },
        }));
}
