using System.Text.Json;
using Edge.Gateway.Beacons;
using Edge.Gateway.Events;
using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;
using Edge.Gateway.Signage;
using Edge.Gateway.StoreData;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Dashboard;

/// <summary>One line of the dashboard's recent events.</summary>
public sealed record RecentEvent(DateTimeOffset At, string Kind, string Text);

/// <summary>
/// The store dashboard's state, read-only and without secrets: shelves with live counts, screens and their players,
/// zones (counts only), the chilled cases, the cloud link and the outbox, store data, the pick-to-light strip, recent events. Rebuilt when the bus says something
/// happened (at most <see cref="MinInterval"/> apart) and every <see cref="MaxInterval"/> for ages and the link.
/// </summary>
public sealed class DashboardFeed(ShelfLayout layout, StockBoard board, SignageHub screens, BeaconService beacons, Offers.OfferEngine offers, StoreDataView data,
    Temperature.TemperatureService temperature, Clock.RtcKeeper rtc, Omnichannel.StoreClock clock, HealthCheckService health, EventBus bus, TimeProvider time, IOptions<StoreOptions> store, IOptions<GatewayOptions> gateway, PickToLight.PickToLightService? lights = null) : BackgroundService
{
    /// <summary>Shortest gap between two rebuilds.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest gap between two rebuilds.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(2);

    /// <summary>Recent events kept.</summary>
    public const int RecentEvents = 30;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly LinkedList<RecentEvent> _recent = new();
    private TaskCompletionSource<byte[]> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] _current = "{}"u8.ToArray();
    private object? _health;

    /// <summary>Whether the gateway runs the simulated store (the page shows pick and put buttons).</summary>
    public bool Simulated => layout.Simulated;

    /// <summary>The state as last built.</summary>
    public byte[] Current => Volatile.Read(ref _current);

    /// <summary>Completes with the next state built.</summary>
    public Task<byte[]> NextAsync() => Volatile.Read(ref _next).Task;

    /// <summary>Rebuilds the state now and hands it to whoever waits.</summary>
    public byte[] Build()
    {
        RecentEvent[] recent;
        lock (_recent)
        {
            recent = [.. _recent];
        }

        byte[] json = JsonSerializer.SerializeToUtf8Bytes(new
        {
            mode = layout.Simulated ? "simulated" : "hardware",
            store = new { id = store.Value.Id, name = store.Value.Name },
            gateway = gateway.Value.Id,
            at = time.GetUtcNow(),
            shelves = layout.Shelves.Select(s => new { view = StockView.Of(s, board.Get(s.Id)) }),
            screens = screens.Status(),
            beacons = beacons.Snapshot(),
            beaconSource = beacons.Source,
            offers = offers.Stats(time.GetUtcNow()),
            cases = temperature.States(),
            clock = Clock.ClockRegistration.Status(rtc, clock),
            storeData = StoreDataKinds.All.ToDictionary(k => k, k => data.VersionOf(k) is { } v ? new { version = (long?)v.Version, items = v.Items, receivedAt = (DateTimeOffset?)v.ReceivedAt } : null),
            pickToLight = lights?.Status,
            health = _health,
            recent,
        }, Json);
        Volatile.Write(ref _current, json);
        Interlocked.Exchange(ref _next, new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(json);
        return json;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using Subscription<ShelfEventsJournaled> shelves = bus.Subscribe<ShelfEventsJournaled>("dashboard (shelves)", 64, FullPolicy.DropOldestAndResync);
        using Subscription<StoreDataChanged> storeData = bus.Subscribe<StoreDataChanged>("dashboard (store data)", 64, FullPolicy.DropOldestAndResync);
        using Subscription<ScreenPresenceChanged> presence = bus.Subscribe<ScreenPresenceChanged>("dashboard (screens)", 64, FullPolicy.DropOldestAndResync);
        using Subscription<BeaconEvent> beaconEvents = bus.Subscribe<BeaconEvent>("dashboard (beacons)", 64, FullPolicy.DropOldestAndResync);
        using Subscription<Offers.OfferTriggered> offerEvents = bus.Subscribe<Offers.OfferTriggered>("dashboard (offers)", 64, FullPolicy.DropOldestAndResync);
        using Subscription<Temperature.TemperatureEvent> alerts = bus.Subscribe<Temperature.TemperatureEvent>("dashboard (temperature alerts)", 64, FullPolicy.DropOldestAndResync);
        using Subscription<Temperature.CasesRead> readings = bus.Subscribe<Temperature.CasesRead>("dashboard (temperature)", 8, FullPolicy.DropOldestAndResync);
        DateTimeOffset lastHealth = DateTimeOffset.MinValue;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                bool any = Drain(shelves, e => e.Events.Select(x => new RecentEvent(x.Timestamp, "shelf", $"{x.ShelfId} {x.Type} {x.CountBefore}→{x.CountAfter}")));
                any |= Drain(storeData, e => [new RecentEvent(time.GetUtcNow(), "store-data", $"{e.Kind} v{e.Version} {(e.Snapshot ? "snapshot" : $"delta ({e.Keys?.Count ?? 0})")}")]);
                any |= Drain(presence, e => [new RecentEvent(e.Timestamp, "screen", $"{e.ScreenId} {(e.Online ? "online" : "offline")}")]);
                any |= Drain(beaconEvents, e => e.Type is BeaconEventType.ZoneEntered or BeaconEventType.ZoneExited or BeaconEventType.Dwell ? [] : [new RecentEvent(e.Timestamp, "beacon", $"{e.Type} {e.Zone}")]);
                any |= Drain(offerEvents, e => [new RecentEvent(e.Offer.TriggeredAt, "offer", $"{e.Offer.Zone}: {e.Offer.PromotionId} on {e.Offer.Sku} at {e.Offer.Price} {e.Offer.Currency}")]);
                any |= Drain(alerts, e => e is Temperature.CaseAlertRaised { Alert: var a }
                    ? [new RecentEvent(a.At, "temperature", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{a.CaseId} {a.Kind} (peak {a.Peak:0.0} °C, limit {a.High:0.0} °C)"))]
                    : []);
                any |= Drain(readings, _ => []);
                DateTimeOffset now = time.GetUtcNow();
                if (now - lastHealth >= MaxInterval)
                {
                    any = true;
                    lastHealth = now;
                    HealthReport report = await health.CheckHealthAsync(r => r.Name == "cloud", stoppingToken);
                    _health = new
                    {
                        status = report.Status.ToString().ToLowerInvariant(),
                        cloud = report.Entries.TryGetValue("cloud", out HealthReportEntry c) ? c.Data.GetValueOrDefault("cloud") : null,
                    };
                }

                if (any)
                {
                    Build();
                }

                await Task.Delay(MinInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private bool Drain<T>(Subscription<T> subscription, Func<T, IEnumerable<RecentEvent>> describe)
    {
        bool any = false;
        while (subscription.TryRead(out Delivery<T> d))
        {
            any = true;
            if (d.Event is { } e)
            {
                lock (_recent)
                {
                    foreach (RecentEvent r in describe(e))
                    {
                        _recent.AddFirst(r);
                        if (_recent.Count > RecentEvents)
                        {
                            _recent.RemoveLast();
                        }
                    }
                }
            }
        }

        return any;
    }
}
