using Edge.Gateway.Events;
using Edge.Gateway.Shelves;
using Edge.Gateway.StoreData;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Omnichannel;

/// <summary>One shelf's part of a SKU's availability: its committed count, or null while it is not counted or faulted.</summary>
public sealed record ShelfPart(string ShelfId, int? Count, string Status);

/// <summary>
/// A SKU's availability and the parts it was made of: in store = Σ shelf counts − units reserved and not yet picked
/// (never below 0; null when any of its shelves is not counted or faulted: a number that may be false is not given);
/// online = the online shop's units, null when unknown or older than <see cref="OmnichannelOptions.OnlineStockMaxAge"/>.
/// </summary>
public sealed record SkuAvailability(string Sku, int? InStore, int? ShelfUnits, int Reserved, IReadOnlyList<ShelfPart> Shelves,
    IReadOnlyList<string> Orders, long? Online, DateTimeOffset? OnlineAsOf, bool OnlineStale)
{
    /// <summary>Whether what the online shop is told changed (the parts aside).</summary>
    public bool SameFigures(SkuAvailability? other) =>
        other is not null && other.InStore == InStore && other.ShelfUnits == ShelfUnits && other.Reserved == Reserved && other.Online == Online && other.OnlineStale == OnlineStale;
}

/// <summary>Base of the omnichannel events the bus carries (published as this type).</summary>
public abstract record OmnichannelEvent(DateTimeOffset Timestamp);

/// <summary>A SKU's availability changed.</summary>
public sealed record AvailabilityChanged(SkuAvailability Availability, DateTimeOffset Timestamp) : OmnichannelEvent(Timestamp);

/// <summary>The clock became implausible (<paramref name="Reason"/> set) or plausible again (null).</summary>
public sealed record ClockChanged(string? Reason, DateTimeOffset Timestamp) : OmnichannelEvent(Timestamp);

/// <summary>Computes availability per SKU from the committed shelf counts, reservations and online stock.</summary>
/// <remarks>A line pick-to-light confirmed by the weight (<paramref name="picked"/>) no longer counts as reserved, before the cloud echoes <c>picked</c>: the shelf count already shows it.</remarks>
public sealed class AvailabilityCalculator(ShelfLayout layout, StockBoard board, StoreDataView data, TimeProvider time, IOptions<OmnichannelOptions> options, PickToLight.PickedLines? picked = null)
{
    /// <summary>Every SKU on a shelf or in a reservation, in SKU order.</summary>
    public IReadOnlyList<SkuAvailability> All()
    {
        DateTimeOffset now = time.GetUtcNow();
        // Every second on a Pi: the reservations are read and grouped once, not once per SKU.
        ILookup<string, ReservationLine> bySku = data.Reservations.ToLookup(r => r.Sku, StringComparer.Ordinal);
        IEnumerable<string> skus = layout.Shelves.Select(s => s.Sku).Concat(bySku.Select(g => g.Key));
        return [.. skus.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(s => Of(s, now, bySku[s]))];
    }

    /// <summary>One SKU at <paramref name="now"/>.</summary>
    public SkuAvailability Of(string sku, DateTimeOffset now) => Of(sku, now, data.Reservations.Where(r => r.Sku == sku));

    private SkuAvailability Of(string sku, DateTimeOffset now, IEnumerable<ReservationLine> lines)
    {
        ShelfPart[] shelves = [.. layout.Shelves.Where(s => s.Sku == sku).Select(s => board.Get(s.Id) is { } row
            ? new ShelfPart(s.Id, row.Counted && row.Status != SlotStatus.Faulted ? row.Count : null, row.Status.ToString().ToLowerInvariant())
            : new ShelfPart(s.Id, null, "starting"))];
        ReservationLine[] holding = [.. lines.Where(r => r.Holds(now) && picked?.Contains(r.OrderId, r.Sku) != true).OrderBy(r => r.OrderId, StringComparer.Ordinal)];
        int reserved = holding.Sum(r => r.Quantity);
        int? shelfUnits = shelves.Length > 0 && shelves.All(p => p.Count is not null) ? shelves.Sum(p => p.Count!.Value) : null;
        OnlineStockLevel? online = data.Online(sku);
        // A level from the future (a cloud clock ahead of ours by more than a jump) is no more trustworthy than an old one.
        bool stale = online is null || now - online.AsOf > options.Value.OnlineStockMaxAge || online.AsOf - now > options.Value.MaxClockJump;
        return new SkuAvailability(sku, shelfUnits is { } u ? Math.Max(0, u - reserved) : null, shelfUnits, reserved, shelves,
            [.. holding.Select(r => r.OrderId).Distinct(StringComparer.Ordinal)], stale ? null : online!.Available, online?.AsOf, online is not null && stale);
    }
}

/// <summary>
/// Every second: recomputes availability and publishes each SKU whose figures changed (and, once, every SKU at start),
/// and checks the clock, publishing when it becomes implausible or plausible again. Reservations expire and online
/// stock goes stale with time alone, so a timer rather than events drives it.
/// </summary>
public sealed class AvailabilityPublisher(AvailabilityCalculator calculator, StoreClock clock, EventBus bus, TimeProvider time) : BackgroundService
{
    /// <summary>How often availability and the clock are checked.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, SkuAvailability> _last = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private string? _clockReason;

    /// <summary>Publishes what changed since the last call; returns how many SKUs changed.</summary>
    public int PublishChanges()
    {
        lock (_lock)
        {
            return PublishChangesLocked();
        }
    }

    /// <summary>Forgets what was published, so the next call publishes every SKU (after a subscriber lost events).</summary>
    public void Resync()
    {
        lock (_lock)
        {
            _last.Clear();
        }
    }

    private int PublishChangesLocked()
    {
        DateTimeOffset now = clock.Check();
        string? reason = clock.Reason;
        if (reason != _clockReason)
        {
            _clockReason = reason;
            bus.Publish<OmnichannelEvent>(new ClockChanged(reason, now));
        }

        int changed = 0;
        foreach (SkuAvailability a in calculator.All())
        {
            if (!a.SameFigures(_last.GetValueOrDefault(a.Sku)))
            {
                _last[a.Sku] = a;
                bus.Publish<OmnichannelEvent>(new AvailabilityChanged(a, now));
                changed++;
            }
        }

        return changed;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                PublishChanges();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
