using System.Device.Gpio;
using Edge.Gateway.Commands;
using Edge.Gateway.Events;
using Edge.Gateway.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Edge.Gateway.Shelves;

/// <summary>Registers the shelves: their options, journal, pipelines, commands, health and endpoints.</summary>
public static class ShelvesRegistration
{
    /// <summary>Binds <c>Shelves</c> and <c>Detection</c>, each validated at start.</summary>
    public static IServiceCollection AddShelfOptions(this IServiceCollection services)
    {
        services.AddValidatedOptions<ShelvesOptions, ShelvesOptionsValidator>(ShelvesOptions.Bind);
        services.AddValidatedOptions<DetectionOptions, DetectionOptionsValidator>(DetectionOptions.Bind);
        return services;
    }

    /// <summary>Adds the shelves as <paramref name="layout"/> describes them (real GPIO unless simulated).</summary>
    public static WebApplicationBuilder AddShelves(this WebApplicationBuilder builder, ShelfLayout layout)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(layout);
        IServiceCollection services = builder.Services;
        services.AddShelfOptions();
        services.AddSingleton(layout);
        services.AddSingleton<ShelfRepository>();
        services.AddSingleton<StockBoard>();
        services.AddSingleton<ShelfMetrics>();
        services.TryAddSingleton<IShelfTemperature, NoShelfTemperature>(); // the temperature service replaces it
        services.AddSingleton(sp => new StockJournal(sp.GetRequiredService<ShelfRepository>(), sp.GetRequiredService<StockBoard>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<EventBus>(), sp.GetRequiredService<ShelfMetrics>()));
        if (!layout.Simulated)
        {
            services.AddSingleton<Func<GpioController>>(_ => () => new GpioController());
        }

        services.AddSingleton<ShelfService>();
        services.AddHostedService(sp => sp.GetRequiredService<ShelfService>());
        services.AddSingleton<ShelfCommandHandlers>();
        services.AddSingleton<ICommandHandler<TareShelf>>(sp => sp.GetRequiredService<ShelfCommandHandlers>());
        services.AddSingleton<ICommandHandler<RecalibrateShelf>>(sp => sp.GetRequiredService<ShelfCommandHandlers>());
        services.AddSingleton<ICommandHandler<RestartSampler>>(sp => sp.GetRequiredService<ShelfCommandHandlers>());
        services.AddHealthChecks()
            .AddCheck<ShelvesHealthCheck>("shelves", tags: [GatewayHealth.Live, GatewayHealth.Ready])
            .AddCheck<ShelvesCountedCheck>("shelves-counted", tags: [GatewayHealth.Ready])
            .AddCheck<ShelvesConfiguredCheck>("shelves-configured", tags: [GatewayHealth.Ready]);
        return builder;
    }

    /// <summary>Maps <c>GET /api/stock</c>.</summary>
    public static WebApplication MapShelves(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/stock", (ShelfLayout layout, StockBoard board) =>
            layout.Shelves.Select(s => StockView.Of(s, board.Get(s.Id))));
        return app;
    }
}

/// <summary>Liveness of the shelves: unhealthy while the journal cannot commit (a faulted shelf is reported, not unhealthy: the others keep working).</summary>
internal sealed class ShelvesHealthCheck(ShelfService shelves, StockJournal journal, ShelfRepository repository, GatewayDatabase database, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        (long accepted, long rejected) = shelves.Frames();
        DateTimeOffset now = time.GetUtcNow();
        DateTimeOffset? stuckSince = shelves.ReaderStuckSince;
        var data = new Dictionary<string, object>
        {
            ["shelves"] = shelves.Pipelines.Count,
            ["frames"] = new { accepted, rejected },
            ["framesLastMinute"] = shelves.FramesLastMinute().Select(f => new { shelfId = f.ShelfId, dataRate = f.SamplesPerSecond, accepted = f.LastMinute.Accepted, rejected = f.LastMinute.Rejected, lost = f.LastMinute.Lost }).ToList(),
            ["faultedShelves"] = shelves.Pipelines.Count(p => p.Status == SlotStatus.Faulted),
            ["readerStuckSince"] = stuckSince!,
            ["drift"] = shelves.Pipelines.Select(p => DriftView.Of(p, now)).ToList(),
            ["journalSeq"] = repository.LastSeq,
            ["journalError"] = journal.LastError!,
            ["journal"] = new { id = repository.JournalId, epoch = repository.Epoch, waiting = journal.Waiting, dropped = journal.Dropped, failedCommits = journal.Failures, quarantinedTo = database.QuarantinedTo },
        };
        // A stuck reader is degraded, not unhealthy: counts stand still, but what is stored stays true and is served.
        return Task.FromResult(!journal.Healthy
            ? HealthCheckResult.Unhealthy("the shelf journal cannot commit: " + journal.LastError, data: data)
            : stuckSince is { } since
                ? HealthCheckResult.Degraded(ShelfReaderTimeoutException.StuckReason(since), data: data)
                : HealthCheckResult.Healthy(data: data));
    }
}

/// <summary>Readiness: every shelf has been counted (or is faulted), so what the API shows is the store as it is.</summary>
internal sealed class ShelvesCountedCheck(ShelfService shelves) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        int starting = shelves.Pipelines.Count(p => p.Status == SlotStatus.Starting);
        var data = new Dictionary<string, object> { ["startingShelves"] = starting };
        return Task.FromResult(starting == 0 ? HealthCheckResult.Healthy(data: data) : HealthCheckResult.Unhealthy($"{starting} shelves are not counted yet", data: data));
    }
}

/// <summary>Readiness: on hardware, at least one shelf is configured (a gateway with a GPIO chip and no shelves counts nothing).</summary>
internal sealed class ShelvesConfiguredCheck(ShelfLayout layout) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(layout.Shelves.Count > 0 || layout.Simulated
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("a GPIO chip is present but no shelves are configured: add them with 'edge-gateway shelf add' (or Shelves:N:* keys), or run with --simulate"));
}

/// <summary>One slot as <c>GET /api/stock</c> shows it. Field names are a contract.</summary>
public sealed record StockView(string ShelfId, string Sku, string Name, string? NameJa, string Zone, int? Count, string Status, decimal Price, double UnitWeightGrams, DateTimeOffset? UpdatedAt)
{
    /// <summary>Combines layout and committed state; a slot with nothing committed yet is "starting" with a null count.</summary>
    public static StockView Of(ShelfOptions s, StockRow? row)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new StockView(s.Id, s.Sku, s.Name, s.NameJa, s.Zone, row is { Counted: true } ? row.Count : null, (row?.Status ?? SlotStatus.Starting).ToString().ToLowerInvariant(), s.Price, s.UnitWeightGrams, row?.UpdatedAt);
    }
}

/// <summary>One slot's drift diagnostics as <c>/healthz</c> → <c>drift</c> shows them. Field names are a contract.</summary>
internal sealed record DriftView(string ShelfId, double DriftGrams, double CreepGramsPerHour, double? Celsius, double DriftGramsPerCelsius, bool DriftCompensationTrusted, double TemperatureCompensationGrams)
{
    /// <summary>Reads <paramref name="p"/> (from another thread: each figure is current, together they may be a sample apart).</summary>
    public static DriftView Of(SlotPipeline p, DateTimeOffset now) => new(
        p.Slot.ShelfId,
        Math.Round(p.DriftGrams, 2),
        Math.Round(p.CreepGramsPerHour(now), 3),
        p.Celsius is { } c ? Math.Round(c, 2) : null,
        Math.Round(p.DriftGramsPerCelsius, 3),
        p.DriftCompensationTrusted,
        Math.Round(p.TemperatureCompensationGrams, 2));
}
