using System.Globalization;
using Edge.Gateway.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Edge.Gateway.Temperature;

/// <summary>Registers the chilled cases: options, sensors, the durable record, the service, health and endpoints.</summary>
public static class TemperatureRegistration
{
    /// <summary>Binds <c>Temperature</c>, validated at start.</summary>
    public static IServiceCollection AddTemperatureOptions(this IServiceCollection services)
    {
        services.AddValidatedOptions<TemperatureOptions, TemperatureOptionsValidator>(TemperatureOptions.Bind);
        return services;
    }

    /// <summary>Adds the cases of <paramref name="cases"/> (their sensors on the real I2C buses unless a factory is registered already).</summary>
    public static WebApplicationBuilder AddTemperature(this WebApplicationBuilder builder, ChilledCases cases)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(cases);
        IServiceCollection services = builder.Services;
        services.AddTemperatureOptions();
        services.AddSingleton(cases);
        services.TryAddSingleton<ICaseSensorFactory, HardwareCaseSensors>();
        services.AddSingleton<TemperatureRecords>();
        services.AddSingleton<TemperatureService>();
        services.AddHostedService(sp => sp.GetRequiredService<TemperatureService>());
        // The shelves in a case are compensated for its temperature (this wins over the shelves' default of none).
        services.AddSingleton<Shelves.IShelfTemperature>(sp => new CaseShelfTemperature(sp.GetRequiredService<TemperatureService>()));
        services.AddHealthChecks().AddCheck<TemperatureHealthCheck>("temperature", tags: [GatewayHealth.Live]);
        return builder;
    }

    /// <summary>Maps <c>GET /api/temperature</c> (every case now) and <c>GET /api/temperature/records?date=yyyy-MM-dd</c> (the day's record).</summary>
    public static WebApplication MapTemperature(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/temperature", (TemperatureService service) => Results.Json(new { cases = service.States() }));
        app.MapGet("/api/temperature/records", (string? date, TemperatureService service, TemperatureRecords records, ChilledCases cases, TimeProvider time) =>
        {
            DateOnly day;
            if (date is null)
            {
                day = service.DateOf(time.GetUtcNow());
            }
            else if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
            {
                return Results.BadRequest(new { error = "date must be a store-local day, yyyy-MM-dd" });
            }

            IReadOnlyList<CaseDay> stored = records.Of(day);
            // Every configured case has a line, also one with no reading that day: a gap in the record is shown as one.
            return Results.Ok(new
            {
                date = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                timeZone = service.Zone.Id,
                cases = cases.Cases.Select(c => stored.FirstOrDefault(d => d.CaseId == c.Id) is { } d
                    ? Record(c, d)
                    : Record(c, new CaseDay(c.Id, day, null, null, 0, 0, 0))),
            });
        });
        return app;
    }

    private static object Record(CaseOptions c, CaseDay d) => new
    {
        caseId = c.Id, name = c.Name, high = c.High, min = d.Min, max = d.Max, minutesOutOfRange = d.MinutesOutOfRange,
        minutesFaulted = d.MinutesFaulted, readings = d.Readings,
    };
}

/// <summary>Each shelf's temperature: its case's last reading while fresh and not faulted (never blocks: no sensor is read here).</summary>
internal sealed class CaseShelfTemperature(TemperatureService service) : Shelves.IShelfTemperature
{
    public double? CelsiusOf(string shelfId) => service.CelsiusOfShelf(shelfId);
}

/// <summary>The cases for <c>/healthz</c>: a faulted sensor or an excursion is reported, never unhealthy (the shelves and the cloud go on).</summary>
internal sealed class TemperatureHealthCheck(TemperatureService service) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<CaseState> cases = service.States();
        var data = new Dictionary<string, object>
        {
            ["temperature"] = new
            {
                cases = cases.Select(c => new { caseId = c.CaseId, status = c.Status, celsius = c.Celsius, fault = c.Fault, at = c.At }).ToList(),
                faulted = cases.Count(c => c.Status == "faulted"),
                high = cases.Count(c => c.Status == "high"),
                stale = cases.Count(c => c.Status == "stale"),
                waiting = service.Waiting,
                dropped = service.Dropped,
                lastError = service.LastError,
            },
        };
        return Task.FromResult(HealthCheckResult.Healthy(data: data));
    }
}
