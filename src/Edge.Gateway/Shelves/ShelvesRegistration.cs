using System.Device.Gpio;
using Edge.Gateway.Configuration;
using Edge.Gateway.Simulation;
using Edge.Gateway.Storage;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Shelves;

/// <summary>Registers the shelves, their storage and their HTTP endpoints.</summary>
public static class ShelvesRegistration
{
    /// <summary>Adds the database, journal, stock board, layout and shelf service.</summary>
    public static WebApplicationBuilder AddShelves(this WebApplicationBuilder builder, ShelfLayout layout)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        services.AddSingleton(layout);
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<DetectionOptions>().Bind(builder.Configuration.GetSection("Detection"));
        services.AddSingleton(sp =>
        {
            GatewayOptions gateway = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            GatewayDatabase db = GatewayDatabase.Open(gateway.DataDir, sp.GetRequiredService<TimeProvider>());
            if (db.QuarantinedTo is { } aside)
            {
                ShelfLog.DatabaseQuarantined(sp.GetRequiredService<ILogger<GatewayDatabase>>(), db.Path, aside);
            }

            return db;
        });
        services.AddSingleton<ShelfStore>();
        services.AddSingleton<StockBoard>();
        services.AddSingleton<StockJournal>();
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
        app.MapGet("/healthz", (ShelfService shelves, StockJournal journal, ShelfStore store, IServiceProvider services) =>
        {
            int faulted = shelves.Pipelines.Count(p => p.Status == SlotStatus.Faulted);
            object cloud = services.GetService<Edge.Gateway.Cloud.CloudSyncService>()?.Health() ?? new { mode = "None" };
            // A disconnected cloud is reported but is not unhealthy: the outbox holds everything until it is back.
            var body = new { status = journal.Healthy ? "healthy" : "unhealthy", shelves = shelves.Pipelines.Count, faultedShelves = faulted, journalSeq = store.LastSeq, journalError = journal.LastError, cloud };
            // A faulted shelf is reported but does not make the gateway unhealthy: the other shelves keep working.
            return journal.Healthy ? Results.Ok(body) : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
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
