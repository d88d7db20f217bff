using Edge.Gateway.Shelves;
using Edge.Gateway.StoreData;
using Edge.Promotions;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Omnichannel;

/// <summary>One applied promotion, as a price answer names it.</summary>
public sealed record AppliedPromotion(string Id, long Version, LocalizedText Title, DateTimeOffset? End);

/// <summary>
/// A price as <c>GET /api/prices</c> answers: effective and base price in minor units, where the base came from
/// (<c>catalog</c>, or <c>shelf</c> while no catalog has the SKU), the applied promotions in order (the first labels the
/// tile), the cart-level offers shown as text, and the data versions used.
/// </summary>
public sealed record PriceView(string Sku, string Channel, DateTimeOffset At, string Currency, long Price, long BasePrice, string PriceSource,
    IReadOnlyList<AppliedPromotion> Promotions, IReadOnlyList<string> Multibuy, long? CatalogVersion, long? PromotionsVersion, bool ClockPlausible);

/// <summary>
/// Prices every channel's way: the catalog price (the shelf's configured price only as a fallback), the stored
/// promotions, the store's time zone, through the one engine. With an implausible clock and no explicit instant, no
/// time-limited promotion applies.
/// </summary>
public sealed class PriceService(StoreDataView data, ShelfLayout layout, StoreClock clock, IOptions<OmnichannelOptions> options)
{
    private readonly TimeZoneInfo _zone = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);

    /// <summary>The store's time zone.</summary>
    public TimeZoneInfo TimeZone => _zone;

    /// <summary>The product the engine prices for a SKU, and where its price came from; null when neither the catalog nor a shelf knows it.</summary>
    public (Product Product, string Source)? ProductOf(string sku)
    {
        ArgumentNullException.ThrowIfNull(sku);
        if (data.Catalog(sku) is { } item)
        {
            return (item.Product, "catalog");
        }

        if (layout.Shelves.FirstOrDefault(s => s.Sku == sku) is { } shelf)
        {
            string currency = options.Value.Currency;
            long minor = (long)Math.Round(shelf.Price * Pow10(Currencies.Exponent(currency)), 0, MidpointRounding.AwayFromZero);
            return (new Product(sku, minor, currency), "shelf");
        }

        return null;
    }

    /// <summary>Prices <paramref name="sku"/> on <paramref name="channel"/> at <paramref name="at"/> (now when null); null for an unknown SKU.</summary>
    public PriceView? Price(string sku, Channel channel, DateTimeOffset? at = null, string? audience = null)
    {
        if (ProductOf(sku) is not { } found)
        {
            return null;
        }

        DateTimeOffset now = clock.Check();
        bool trusted = at is not null || clock.Plausible;
        DateTimeOffset instant = at ?? now;
        IReadOnlyList<Promotion> all = data.Promotions;
        IReadOnlyList<Promotion> candidates = trusted ? all : [.. all.Where(p => !p.IsTimeLimited)];
        Evaluation result = PromotionEngine.Evaluate(found.Product, instant, channel, _zone, candidates, audience);
        string[] multibuy = [.. candidates.Where(p => p.Multibuy is not null && PromotionEngine.IsEligible(p, found.Product, instant, channel, _zone, audience)).Select(p => p.Multibuy!)];
        return new PriceView(sku, channel.ToString().ToLowerInvariant(), instant, found.Product.Currency, result.Price, result.BasePrice, found.Source,
            [.. result.Applied.Select(p => new AppliedPromotion(p.Id, p.Version, p.Title, p.End))], multibuy,
            data.VersionOf(StoreDataKinds.Catalog)?.Version, data.VersionOf(StoreDataKinds.Promotions)?.Version, clock.Plausible);
    }

    private static decimal Pow10(int exponent)
    {
        decimal f = 1;
        for (int i = 0; i < exponent; i++)
        {
            f *= 10;
        }

        return f;
    }
}
