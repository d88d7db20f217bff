using System.Device.Spi;
using Edge.Drivers.Lights;
using Edge.Gateway.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.PickToLight;

/// <summary>Registers pick-to-light and maps <c>GET /api/pick-to-light</c>.</summary>
public static class PickToLightRegistration
{
    /// <summary>Binds <c>PickToLight</c>, validated at start.</summary>
    public static IServiceCollection AddPickToLightOptions(this IServiceCollection services) =>
        services.AddValidatedOptions<PickToLightOptions, PickToLightOptionsValidator>(PickToLightOptions.Bind).Services;

    /// <summary>
    /// Adds the picked lines (always: availability asks them), the service that drives the strip (idle unless
    /// <c>PickToLight:Enabled</c>) and its health. The SPI device is the real spidev unless the simulated store put its
    /// simulated strip there first.
    /// </summary>
    public static WebApplicationBuilder AddPickToLight(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        services.AddPickToLightOptions();
        services.TryAddSingleton<PickedLines>();
        services.TryAddSingleton<Func<SpiDevice>>(sp =>
        {
            PickToLightOptions o = sp.GetRequiredService<IOptions<PickToLightOptions>>().Value;
            return () => SpiDevice.Create(PickLightStrip.Settings(o.SpiBus, o.ChipSelect));
        });
        services.AddSingleton<PickToLightService>();
        services.AddHostedService(sp => sp.GetRequiredService<PickToLightService>());
        services.AddHealthChecks().AddCheck<PickToLightHealthCheck>("pick-to-light", tags: [GatewayHealth.Live]);
        return builder;
    }

    /// <summary>Maps <c>GET /api/pick-to-light</c>: the strip's state (see <see cref="PickToLightStatus"/>).</summary>
    public static WebApplication MapPickToLight(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/pick-to-light", (PickToLightService service) => Results.Ok(service.Status));
        return app;
    }
}

/// <summary>
/// Pick-to-light for <c>/healthz</c>: enabled, fault, how many lines are lit and picked. Degraded while the strip
/// faults (the store still sells; staff pick from the order list), never unhealthy.
/// </summary>
internal sealed class PickToLightHealthCheck(PickToLightService service) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        PickToLightStatus s = service.Status;
        var data = new Dictionary<string, object>
        {
            ["pickToLight"] = new { enabled = s.Enabled, fault = s.Fault, lit = s.Lit.Count, flashing = s.Flashing.Count, picked = s.Picked.Count, frames = s.Frames },
        };
        return Task.FromResult(s.Fault is { } fault ? HealthCheckResult.Degraded(fault, data: data) : HealthCheckResult.Healthy(data: data));
    }
}
