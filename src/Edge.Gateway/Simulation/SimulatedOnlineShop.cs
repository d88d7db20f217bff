using System.Text.Json;
using System.Text.Json.Nodes;
using Edge.Gateway.Commands;
using Edge.Gateway.Events;
using Edge.Gateway.PickToLight;
using Edge.Gateway.Shelves;
using Edge.Gateway.StoreData;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Simulation;

/// <summary>
/// The demo without a cloud: seeds the simulated store's catalog, promotions (windows around the start, one ending a
/// few minutes after it, one starting a few minutes after it) and online stock, then plays the online shop: online
/// stock moves and click-and-collect orders arrive, are picked by the simulated staff and collected. Everything goes
/// through <see cref="ApplyStoreData"/>, the path cloud messages take. With pick-to-light the staff take the quantity
/// off the shelf that is lit for the line, and the shop marks the line <c>picked</c> only when the gateway reports
/// <see cref="ReservationPicked"/> (what a cloud does with the upstream message), so the weight confirms it.
/// </summary>
internal sealed class SimulatedOnlineShop(CommandDispatcher commands, ShelfLayout layout, SimulatedStore store, StoreDataView data, TimeProvider time,
    IOptions<SimulationOptions> options, IHostApplicationLifetime lifetime, ILogger<SimulatedOnlineShop> logger, EventBus bus, PickToLightService? lights = null) : BackgroundService
{
    /// <summary>Mean gap between two online stock changes.</summary>
    public static readonly TimeSpan StockEvery = TimeSpan.FromSeconds(15);

    /// <summary>Mean gap between two click-and-collect orders.</summary>
    public static readonly TimeSpan OrderEvery = TimeSpan.FromSeconds(60);

    /// <summary>How long after an order the simulated staff pick it.</summary>
    public static readonly TimeSpan PickAfter = TimeSpan.FromSeconds(90);

    private readonly Random _random = new(options.Value.Seed);
    private readonly Dictionary<string, long> _online = new(StringComparer.Ordinal);
    private readonly List<(string Order, string Sku, string ShelfId, int Quantity, DateTimeOffset At, DateTimeOffset PickupBy, bool Picked)> _orders = [];
    // Subscribed at once: a pick the gateway reports is never missed (a dropped one only leaves that line lit until it expires).
    private readonly Subscription<ReservationPicked> _reports = bus.Subscribe<ReservationPicked>("simulated online shop", 64, FullPolicy.DropOldestAndResync);
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private int _orderNumber = 1000;

    /// <summary>Seeds the store data of the simulated store at <paramref name="now"/>; returns how many kinds were stored.</summary>
    internal async Task<int> SeedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        long version = now.ToUnixTimeMilliseconds();
        var catalog = new JsonArray();
        foreach (ShelfOptions s in layout.Shelves.DistinctBy(s => s.Sku))
        {
            catalog.Add(new JsonObject
            {
                ["sku"] = s.Sku, ["name"] = new JsonObject { ["ja"] = s.NameJa ?? s.Name, ["en"] = s.Name }, ["price"] = (long)s.Price,
                ["currency"] = "JPY", ["category"] = s.Zone,
            });
            _online[s.Sku] = _random.Next(0, 40);
        }

        string Skus(int i) => layout.Shelves[i % layout.Shelves.Count].Sku;
        var promotions = new JsonArray
        {
            Promotion("demo-drinks-10", "drinks", null, "percent", 10, now.AddHours(-1), now.AddHours(8), "ドリンク 10%引き", "Drinks 10% off", priority: 0),
            Promotion("demo-flash", null, Skus(4), "amount", 30, now.AddMinutes(-10), now.AddMinutes(5), "タイムセール 30円引き", "Flash sale ¥30 off", priority: 10),
            Promotion("demo-later", null, Skus(6), "percent", 20, now.AddMinutes(3), now.AddHours(2), "まもなく 20%引き", "Coming up: 20% off", priority: 5),
            Promotion("demo-daily", "daily", null, "amount", 20, now.AddMinutes(-30), now.AddHours(3), "日用品 20円引き", "Daily goods ¥20 off", priority: 0),
        };
        var online = new JsonArray([.. _online.Select(kv => (JsonNode)new JsonObject { ["sku"] = kv.Key, ["available"] = kv.Value, ["asOf"] = now })]);
        int stored = 0;
        stored += await ApplyAsync(StoreDataKinds.Catalog, new JsonObject { ["version"] = version, ["items"] = catalog }, cancellationToken);
        stored += await ApplyAsync(StoreDataKinds.Promotions, new JsonObject { ["version"] = version, ["items"] = promotions }, cancellationToken);
        stored += await ApplyAsync(StoreDataKinds.OnlineStock, new JsonObject { ["version"] = version, ["items"] = online }, cancellationToken);
        stored += await ApplyAsync(StoreDataKinds.Reservations, new JsonObject { ["version"] = version, ["items"] = new JsonArray() }, cancellationToken);
        return stored;
    }

    /// <summary>One step of the online shop at <paramref name="now"/>: maybe a stock change, maybe an order, and the picks and collections due.</summary>
    internal async Task StepAsync(DateTimeOffset now, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        if (_random.NextDouble() < elapsed / StockEvery && _online.Count > 0)
        {
            string sku = _online.Keys.ElementAt(_random.Next(_online.Count));
            _online[sku] = Math.Max(0, _online[sku] + _random.Next(-3, 3));
            await DeltaAsync(StoreDataKinds.OnlineStock, [new JsonObject { ["sku"] = sku, ["available"] = _online[sku], ["asOf"] = now }], cancellationToken);
        }
        else if (_online.Count > 0)
        {
            // Online stock is kept fresh: the whole level again before it would go stale.
            string sku = _online.Keys.ElementAt(_random.Next(_online.Count));
            if (data.Online(sku) is { } level && now - level.AsOf > TimeSpan.FromMinutes(10))
            {
                await DeltaAsync(StoreDataKinds.OnlineStock, [new JsonObject { ["sku"] = sku, ["available"] = _online[sku], ["asOf"] = now }], cancellationToken);
            }
        }

        if (_random.NextDouble() < elapsed / OrderEvery && _orders.Count < 10)
        {
            ShelfOptions shelf = layout.Shelves[_random.Next(layout.Shelves.Count)];
            int quantity = Math.Min(_random.Next(1, 3), Math.Max(1, store.ItemsOn(shelf.Id) ?? 1));
            string order = $"SIM-{++_orderNumber}";
            DateTimeOffset pickupBy = now.AddMinutes(30);
            _orders.Add((order, shelf.Sku, shelf.Id, quantity, now, pickupBy, false));
            await DeltaAsync(StoreDataKinds.Reservations, [Reservation(order, shelf.Sku, quantity, "reserved", pickupBy)], cancellationToken);
        }

        while (_reports.TryRead(out Delivery<ReservationPicked> report))
        {
            int at = report.Event is { } r ? _orders.FindIndex(o => o.Order == r.Line.OrderId && o.Sku == r.Line.Sku && !o.Picked) : -1;
            if (at >= 0)
            {
                var o = _orders[at];
                _orders[at] = o with { Picked = true };
                await DeltaAsync(StoreDataKinds.Reservations, [Reservation(o.Order, o.Sku, o.Quantity, "picked", o.PickupBy)], cancellationToken);
            }
        }

        for (int i = _orders.Count - 1; i >= 0; i--)
        {
            var o = _orders[i];
            if (!o.Picked && now - o.At >= PickAfter && lights?.Status is { Enabled: true } strip)
            {
                // The staff take the quantity off the lit shelf, once; the gateway's report marks the line picked.
                if (strip.Lit.FirstOrDefault(l => l.OrderId == o.Order && l.Sku == o.Sku) is { } lit && _taken.Add(o.Order + ":" + o.Sku))
                {
                    store.Pick(lit.ShelfId, o.Quantity);
                }
                else if (now >= o.PickupBy)
                {
                    _orders.RemoveAt(i); // never lit, or not confirmed: the line has expired and the light is off
                    _taken.Remove(o.Order + ":" + o.Sku);
                }
            }
            else if (!o.Picked && now - o.At >= PickAfter)
            {
                // The staff take the items off the shelf, then mark the line picked: the shelf count now shows it.
                if (store.Pick(o.ShelfId, o.Quantity) == SimulatedActionResult.Done)
                {
                    _orders[i] = o with { Picked = true };
                    await DeltaAsync(StoreDataKinds.Reservations, [Reservation(o.Order, o.Sku, o.Quantity, "picked", o.PickupBy)], cancellationToken);
                }
            }
            else if (o.Picked && now - o.At >= PickAfter * 2)
            {
                _orders.RemoveAt(i);
                _taken.Remove(o.Order + ":" + o.Sku);
                await DeltaAsync(StoreDataKinds.Reservations, [Reservation(o.Order, o.Sku, o.Quantity, "collected", o.PickupBy)], cancellationToken);
            }
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _reports.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Only once the gateway listens: a gateway that cannot start must not be seeding meanwhile.
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            {
                await started.Task.WaitAsync(stoppingToken);
            }

            DateTimeOffset last = time.GetUtcNow();
            await SeedAsync(last, stoppingToken);
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                DateTimeOffset now = time.GetUtcNow();
                await StepAsync(now, now - last, stoppingToken);
                last = now;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static JsonObject Promotion(string id, string? category, string? sku, string type, long value, DateTimeOffset start, DateTimeOffset end, string ja, string en, int priority) => new()
    {
        ["id"] = id, ["version"] = 1, ["skus"] = sku is null ? new JsonArray() : new JsonArray(sku), ["category"] = category,
        ["discount"] = new JsonObject { ["type"] = type, ["value"] = value }, ["channels"] = new JsonArray("store", "online", "app"),
        ["priority"] = priority, ["stackable"] = true, ["start"] = start, ["end"] = end, ["title"] = new JsonObject { ["ja"] = ja, ["en"] = en },
    };

    private static JsonObject Reservation(string order, string sku, int quantity, string status, DateTimeOffset pickupBy) => new()
    {
        ["orderId"] = order, ["sku"] = sku, ["quantity"] = quantity, ["status"] = status, ["pickupBy"] = pickupBy,
    };

    private Task<int> DeltaAsync(string kind, JsonArray upsert, CancellationToken cancellationToken)
    {
        long based = data.VersionOf(kind)?.Version ?? 0;
        return ApplyAsync(kind, new JsonObject { ["version"] = based + 1, ["baseVersion"] = based, ["upsert"] = upsert, ["remove"] = new JsonArray() }, cancellationToken);
    }

    private async Task<int> ApplyAsync(string kind, JsonObject payload, CancellationToken cancellationToken)
    {
        CommandResult result = await commands.SendAsync(new ApplyStoreData(kind, JsonSerializer.SerializeToUtf8Bytes(payload)), CommandSource.Simulation, cancellationToken);
        if (result.Outcome != CommandOutcome.Done)
        {
            SimulationLog.StoreDataRefused(logger, kind, result.Outcome.ToString());
            return 0;
        }

        return 1;
    }
}

/// <summary>Simulation log messages (event ids 1400-1409).</summary>
internal static partial class SimulationLog
{
    [LoggerMessage(1400, LogLevel.Warning, "The simulated online shop's {Kind} was refused: {Outcome}")]
    public static partial void StoreDataRefused(ILogger logger, string kind, string outcome);
}
