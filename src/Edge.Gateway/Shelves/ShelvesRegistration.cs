using System.Device.Gpio;
using Edge.Gateway.Configuration;
using Edge.Gateway.Simulation;
using Edge.Gateway.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Edge.Gateway.Shelves;

/// <summary>Registers the shelves, their storage and their HTTP endpoints.</summary>
public static class ShelvesRegistration
{
    /// <summary>Adds the database, journal, stock board, layout and shelf service.</summary>
    public static WebApplicationBuilder AddShelves(this WebApplicationBuilder builder, ShelfLayout layout, GatewayDatabase database)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        services.AddSingleton(layout);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<DetectionOptions>().Bind(builder.Configuration.GetSection("Detection"));
        services.AddSingleton(database);
        services.AddSingleton<ShelfStore>();
        services.AddSingleton<StockBoard>();
        services.AddSingleton(sp => new StockJournal(sp.GetRequiredService<ShelfStore>(), sp.GetRequiredService<StockBoard>(), sp.GetRequiredService<TimeProvider>()));
        if (!layout.Simulated)
        {
            services.AddSingleton<Func<GpioController>>(_ => () => new GpioController());
        }

        services.AddSingleton<ShelfService>();
        services.AddHostedService(sp => sp.GetRequiredService<ShelfService>());
        return builder;
    }

    /// <summary>Maps <c>GET /healthz</c> and <c>GET /api/stock</c>.</summary>
    public static WebApplication MapShelfEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/healthz", (ShelfService shelves, StockJournal journal, ShelfStore store, GatewayDatabase database, Microsoft.Extensions.Options.IOptions<StoreOptions> shop, IServiceProvider services) =>
        {
            int faulted = shelves.Pipelines.Count(p => p.Status == SlotStatus.Faulted);
            var cloudSync = services.GetService<Edge.Gateway.Cloud.CloudSyncService>();
            object cloud = cloudSync?.Health() ?? new { mode = "None" };
            // Unhealthy (503) while anything durable cannot be written: the journal, or the outbox. A disconnected
            // cloud is reported but is not unhealthy: the outbox holds everything until it is back. A faulted shelf
            // is reported but does not make the gateway unhealthy: the other shelves keep working.
            bool healthy = journal.Healthy && (cloudSync?.Healthy ?? true);
            var body = new
            {
                status = healthy ? "healthy" : "unhealthy",
                store = new { id = shop.Value.Id, name = shop.Value.Name },
                shelves = shelves.Pipelines.Count,
                faultedShelves = faulted,
                journalSeq = store.LastSeq,
                journalError = journal.LastError,
                journal = new { id = store.JournalId, epoch = store.Epoch, waiting = journal.Waiting, dropped = journal.Dropped, failedCommits = journal.Failures, quarantinedTo = database.QuarantinedTo },
                cloud,
            };
            return healthy ? Results.Ok(body) : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
        });

        app.MapGet("/api/stock", (ShelfLayout layout, StockBoard board) =>
            layout.Shelves.Select(s => StockView.Of(s, board.Get(s.Id))));
        return app;
    }
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
