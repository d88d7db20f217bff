using Edge.Gateway.Beacons;
using Edge.Gateway.Omnichannel;
using Edge.Gateway.Shelves;
using Edge.Gateway.Signage;
using Edge.Gateway.StoreData;
using Edge.Promotions;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Offers;

/// <summary>Why no offer was made.</summary>
public enum SuppressedBy
{
    /// <summary>A cap: per promotion per day, per visit, or the minimum gap.</summary>
    Cap,

    /// <summary>Quiet hours, or the store is closed.</summary>
    QuietHours,

    /// <summary>The only eligible products have no known stock in store.</summary>
    NoStock,

    /// <summary>No app promotion applies to the zone's products for this shopper.</summary>
    NoEligiblePromotion,

    /// <summary>The most shoppers whose caps can be kept are in the store.</summary>
    Capacity,
}

/// <summary>One offer to one shopper (by the day's pseudonym), priced by the engine on the <c>app</c> channel.</summary>
public sealed record Offer(Guid OfferId, string Subject, string Zone, string PromotionId, long PromotionVersion, LocalizedText Title, string Sku,
    long Price, long BasePrice, string Currency, DateTimeOffset TriggeredAt, DateTimeOffset ExpiresAt);

/// <summary>What one presence event led to: an offer, or why none (with the promotion it concerned, if any).</summary>
public sealed record OfferDecision(string Zone, Offer? Offer, SuppressedBy? Reason, string? PromotionId);

/// <summary>
/// Picks at most one offer per presence trigger: the best eligible <c>app</c>-channel promotion for the products of
/// the zone's shelves and screens, by the engine's winner rule at the event's instant (highest priority first, then
/// the largest saving), within the caps, outside quiet hours and never for a product with no stock. Caps are kept per
/// daily pseudonym and forgotten with it; at most <see cref="OffersOptions.MaxShoppers"/> shoppers are kept.
/// </summary>
public sealed class OfferEngine(ShelfLayout layout, ScreenList screens, StoreDataView data, PriceService prices, AvailabilityCalculator availability,
    StoreClock clock, IOptions<OffersOptions> options)
{
    private readonly OffersOptions _o = options.Value;
    private readonly LocalSpan[] _quiet = [.. options.Value.QuietHours.Select(q => LocalSpan.Parse(q)!.Value)];
    private readonly LocalSpan? _open = LocalSpan.Parse(options.Value.OpeningHours);
    private readonly Dictionary<string, Shopper> _shoppers = new(StringComparer.Ordinal);
    private readonly OfferStats _stats = new();
    private readonly Lock _lock = new();

    /// <summary>Shoppers whose caps are kept now.</summary>
    public int Shoppers
    {
        get
        {
            lock (_lock)
            {
                return _shoppers.Count;
            }
        }
    }

    /// <summary>The SKUs of a zone: its shelves' and its screens' products, each once.</summary>
    public IReadOnlyList<string> SkusOf(string zone)
    {
        IEnumerable<string> onScreens = screens.Screens.Where(s => s.Zone == zone).SelectMany(s => s.SkusOn(layout));
        return [.. layout.Shelves.Where(s => s.Zone == zone).Select(s => s.Sku).Concat(onScreens).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Decides on one presence event; null when it is not a trigger (another type, a store beacon, no zone).</summary>
    public OfferDecision? Decide(BeaconEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        bool trigger = e.Type == (_o.Trigger == OfferTrigger.Dwell ? BeaconEventType.Dwell : BeaconEventType.ZoneEntered);
        if (!_o.Enabled || !trigger || e.Zone is not { } zone || !e.Subject.StartsWith("s-", StringComparison.Ordinal))
        {
            return null;
        }

        DateTimeOffset now = e.Timestamp;
        lock (_lock)
        {
            OfferDecision d = DecideLocked(e.Subject, zone, e.Audience, now);
            _stats.Count(TimeZoneInfo.ConvertTime(now, prices.TimeZone), d);
            return d;
        }
    }

    /// <summary>The offers of <paramref name="subject"/> still valid at <paramref name="now"/>, each priced again by the engine.</summary>
    public IReadOnlyList<Offer> ValidFor(string subject, string? audience, DateTimeOffset now)
    {
        Offer[] held;
        lock (_lock)
        {
            held = _shoppers.TryGetValue(subject, out Shopper? s) ? [.. s.Offers.Where(o => o.ExpiresAt > now)] : [];
        }

        var valid = new List<Offer>(held.Length);
        foreach (Offer o in held)
        {
            // Still the promotion the engine applies, at the price it gives now: an offer ended early is not shown.
            if (Winner(o.Sku, now, audience) is { } w && w.Promotion.Id == o.PromotionId)
            {
                valid.Add(o with { Price = w.Price, BasePrice = w.BasePrice, PromotionVersion = w.Promotion.Version });
            }
        }

        return valid;
    }

    /// <summary>Today's counts (store-local day), as <c>GET /api/offers/stats</c> shows them.</summary>
    public OfferStats.Report Stats(DateTimeOffset now)
    {
        lock (_lock)
        {
            return _stats.ReportOf(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, prices.TimeZone).DateTime));
        }
    }

    /// <summary>Forgets the shoppers of past days and those gone longer than a visit with no valid offer; returns how many.</summary>
    public int Prune(DateTimeOffset now)
    {
        lock (_lock)
        {
            DateOnly today = DateOnly.FromDateTime(now.UtcDateTime);
            string[] gone = [.. _shoppers.Where(kv => kv.Value.Day != today || (now - kv.Value.LastSeen > _o.VisitGap && kv.Value.Offers.All(o => o.ExpiresAt <= now))).Select(kv => kv.Key)];
            foreach (string id in gone)
            {
                _shoppers.Remove(id);
            }

            return gone.Length;
        }
    }

    private OfferDecision DecideLocked(string subject, string zone, string? audience, DateTimeOffset now)
    {
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, prices.TimeZone).DateTime);
        if (_open is { } open && !open.Contains(local) || _quiet.Any(q => q.Contains(local)))
        {
            return new OfferDecision(zone, null, SuppressedBy.QuietHours, null);
        }

        if (ShopperOf(subject, now) is not { } shopper)
        {
            return new OfferDecision(zone, null, SuppressedBy.Capacity, null);
        }

        if (now - shopper.LastSeen > _o.VisitGap)
        {
            shopper.VisitOffers = 0;
        }

        shopper.LastSeen = now;
        var candidates = SkusOf(zone).Select(sku => (Sku: sku, Winner: Winner(sku, now, audience))).Where(c => c.Winner is not null).ToList();
        if (candidates.Count == 0)
        {
            return new OfferDecision(zone, null, SuppressedBy.NoEligiblePromotion, null);
        }

        // A suppression names the promotion the shopper would have been offered.
        string first = Best(candidates).Winner!.Promotion.Id;
        candidates.RemoveAll(c => shopper.PerPromotion.GetValueOrDefault(c.Winner!.Promotion.Id) >= _o.MaxPerPromotionPerDay);
        if (candidates.Count == 0)
        {
            return new OfferDecision(zone, null, SuppressedBy.Cap, first);
        }

        string uncapped = Best(candidates).Winner!.Promotion.Id;
        if (shopper.VisitOffers >= _o.MaxPerVisit || shopper.LastOffer is { } last && now - last < _o.MinGap)
        {
            return new OfferDecision(zone, null, SuppressedBy.Cap, uncapped);
        }

        candidates.RemoveAll(c => availability.Of(c.Sku, now).InStore is not { } n ? _o.RequireKnownStock : n <= 0);
        if (candidates.Count == 0)
        {
            return new OfferDecision(zone, null, SuppressedBy.NoStock, uncapped);
        }

        (string sku, Pick? pick) = Best(candidates);
        Promotion p = pick!.Promotion;
        DateTimeOffset expires = now + _o.ValidFor;
        if (p.End is { } end && end < expires)
        {
            expires = end;
        }

        var offer = new Offer(Guid.CreateVersion7(now), subject, zone, p.Id, p.Version, p.Title, sku, pick.Price, pick.BasePrice, pick.Currency, now, expires);
        shopper.PerPromotion[p.Id] = shopper.PerPromotion.GetValueOrDefault(p.Id) + 1;
        shopper.VisitOffers++;
        shopper.LastOffer = now;
        shopper.Offers.RemoveAll(o => o.ExpiresAt <= now);
        shopper.Offers.Add(offer);
        return new OfferDecision(zone, offer, null, p.Id);
    }

    // The engine's winner rule across the zone: highest priority, then largest saving, then SKU order.
    private static (string Sku, Pick? Winner) Best(List<(string Sku, Pick? Winner)> candidates) =>
        candidates.OrderByDescending(c => c.Winner!.Promotion.Priority).ThenByDescending(c => c.Winner!.BasePrice - c.Winner.Price)
            .ThenBy(c => c.Sku, StringComparer.Ordinal).First();

    private Pick? Winner(string sku, DateTimeOffset now, string? audience)
    {
        if (prices.ProductOf(sku) is not { } found)
        {
            return null;
        }

        IReadOnlyList<Promotion> all = data.Promotions;
        // As every channel prices: with an implausible clock, nothing time-limited.
        IReadOnlyList<Promotion> usable = clock.Plausible ? all : [.. all.Where(p => !p.IsTimeLimited)];
        Evaluation e = PromotionEngine.Evaluate(found.Product, now, Channel.App, prices.TimeZone, usable, audience);
        return e.Applied.Count > 0 && e.Price < e.BasePrice ? new Pick(e.Applied[0], e.Price, e.BasePrice, found.Product.Currency) : null;
    }

    private Shopper? ShopperOf(string subject, DateTimeOffset now)
    {
        DateOnly today = DateOnly.FromDateTime(now.UtcDateTime);
        if (_shoppers.TryGetValue(subject, out Shopper? s))
        {
            if (s.Day != today)
            {
                // Pseudonyms rotate at midnight UTC: a name from another day is another shopper.
                _shoppers[subject] = s = new Shopper(today, now);
            }

            return s;
        }

        if (_shoppers.Count >= _o.MaxShoppers && Prune(now) == 0)
        {
            return null;
        }

        _shoppers[subject] = s = new Shopper(today, now);
        return s;
    }

    private sealed record Pick(Promotion Promotion, long Price, long BasePrice, string Currency);

    private sealed class Shopper(DateOnly day, DateTimeOffset now)
    {
        public DateOnly Day { get; } = day;

        public DateTimeOffset LastSeen { get; set; } = now;

        public int VisitOffers { get; set; }

        public DateTimeOffset? LastOffer { get; set; }

        public Dictionary<string, int> PerPromotion { get; } = new(StringComparer.Ordinal);

        public List<Offer> Offers { get; } = [];
    }
}
