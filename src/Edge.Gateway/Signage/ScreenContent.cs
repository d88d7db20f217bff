using Edge.Gateway.Hosting;
using Edge.Gateway.Omnichannel;
using Edge.Gateway.Shelves;
using Edge.Gateway.StoreData;
using Edge.Promotions;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Signage;

/// <summary>The promotion that labels a tile: its id and version, title and end (the page reverts the tile at the end).</summary>
public sealed record TilePromotion(string Id, long Version, LocalizedText Title, DateTimeOffset? End);

/// <summary>What a tile's price becomes at an instant (its <see cref="Tile.Until"/>), computed by the engine in advance.</summary>
public sealed record TilePrice(decimal Price, decimal BasePrice, TilePromotion? Promotion, IReadOnlyList<string> Multibuy);

/// <summary>
/// One product on a screen. Prices are in the currency's unit (160 for ¥160, 1.99 for $1.99). <see cref="Count"/> is
/// the in-store available units (shelf − reserved), null when unknown; <see cref="Online"/> is null when unknown or
/// stale (<see cref="OnlineStale"/> tells which). <see cref="Until"/> and <see cref="Then"/>: when the price changes next
/// by the promotions' windows, and what it becomes, so a page whose stream is down still reverts on time.
/// </summary>
public sealed record Tile(string Sku, LocalizedText Name, string? Image, decimal Price, decimal BasePrice, TilePromotion? Promotion,
    IReadOnlyList<string> Multibuy, int? Count, int? Reserved, bool LowStock, long? Online, bool OnlineStale, DateTimeOffset? Until, TilePrice? Then);

/// <summary>Everything a screen shows, as <c>GET /api/screens/{id}/content</c> answers and the page renders.</summary>
public sealed record ScreenContent(string ScreenId, string Zone, long Version, DateTimeOffset GeneratedAt, string Layout, string Orientation,
    IReadOnlyList<string> Languages, int RotationSeconds, int PerPage, string StoreName, string Currency, int CurrencyDigits, string TimeZone, bool ClockPlausible,
    IReadOnlyList<Tile> Tiles);

/// <summary>
/// Builds a screen's content from the one price service and the one availability calculator, so a screen can show
/// nothing the website, the app or <c>/api/prices</c> would not.
/// </summary>
public sealed class ScreenContentBuilder(PriceService prices, AvailabilityCalculator availability, StoreDataView data, ShelfLayout layout,
    StoreClock clock, IOptions<StoreOptions> store, IOptions<OmnichannelOptions> omnichannel, ImageCache? images = null)
{
    /// <summary>How far ahead the next price change is looked for.</summary>
    public static readonly TimeSpan Lookahead = TimeSpan.FromHours(24);

    /// <summary>The content of <paramref name="screen"/> at <paramref name="now"/>, with version 0 (the hub numbers it).</summary>
    public ScreenContent Build(ScreenOptions screen, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(screen);
        var tiles = new List<Tile>();
        foreach (string sku in screen.SkusOn(layout))
        {
            if (TileOf(sku, now) is { } tile)
            {
                tiles.Add(tile);
            }
        }

        int perPage = screen.Layout == ScreenLayout.Featured ? 1 : screen.Orientation == ScreenOrientation.Portrait ? 3 : 4;
        return new ScreenContent(screen.Id, screen.Zone, 0, now, screen.Layout.ToString().ToLowerInvariant(), screen.Orientation.ToString().ToLowerInvariant(),
            screen.LanguagesInForce(), screen.RotationSeconds, perPage, store.Value.Name, omnichannel.Value.Currency, Currencies.Exponent(omnichannel.Value.Currency), omnichannel.Value.TimeZone, clock.Plausible, tiles);
    }

    /// <summary>One SKU's tile at <paramref name="now"/>; null when neither the catalog nor a shelf knows it.</summary>
    public Tile? TileOf(string sku, DateTimeOffset now)
    {
        if (prices.Price(sku, Channel.Store, clock.Plausible ? now : null) is not { } p)
        {
            return null;
        }

        CatalogItem? item = data.Catalog(sku);
        ShelfOptions? shelf = layout.Shelves.FirstOrDefault(s => s.Sku == sku);
        LocalizedText name = item?.Name ?? new LocalizedText(shelf?.NameJa, shelf?.Name);
        SkuAvailability a = availability.Of(sku, now);
        int threshold = layout.Shelves.Where(s => s.Sku == sku).Sum(s => s.LowStockThreshold);
        TilePrice current = PriceOf(p, now);
        DateTimeOffset? until = clock.Plausible ? NextChange(sku, now) : null;
        TilePrice? then = until is { } at && prices.Price(sku, Channel.Store, at) is { } later ? PriceOf(later, at) : null;
        if (then is not null && then == current)
        {
            (until, then) = (null, null);
        }

        return new Tile(sku, name, images?.LocalUrl(item?.ImageUrl), current.Price, current.BasePrice, current.Promotion, current.Multibuy,
            a.InStore, a.Reserved, a.InStore is { } n && n <= threshold, a.Online, a.OnlineStale, until, then);
    }

    private TilePrice PriceOf(PriceView p, DateTimeOffset at)
    {
        TilePromotion? label = p.Promotions.Count > 0 && p.Price < p.BasePrice
            ? new TilePromotion(p.Promotions[0].Id, p.Promotions[0].Version, p.Promotions[0].Title, EarliestEnd(p.Promotions, at))
            : null;
        return new TilePrice(Major(p.Price, p.Currency), Major(p.BasePrice, p.Currency), label, p.Multibuy);
    }

    // The tile's price holds until the first of its applied promotions stops: its end, or its daypart window's.
    private DateTimeOffset? EarliestEnd(IReadOnlyList<AppliedPromotion> applied, DateTimeOffset at) =>
        applied.Select(x => data.Promotions.FirstOrDefault(p => p.Id == x.Id) is { } p ? PromotionWindows.EndOf(p, at, prices.TimeZone) : x.End).Min();

    private DateTimeOffset? NextChange(string sku, DateTimeOffset now)
    {
        string? category = data.Catalog(sku)?.Category;
        DateTimeOffset? next = null;
        foreach (Promotion promotion in data.Promotions)
        {
            bool concerns = promotion.Skus.Contains(sku) || (category is not null && promotion.Category == category) || (promotion.Skus.Count == 0 && promotion.Category is null);
            if (!concerns)
            {
                continue;
            }

            foreach (DateTimeOffset e in PromotionWindows.Edges(promotion, now, Lookahead, prices.TimeZone))
            {
                if (next is null || e < next)
                {
                    next = e;
                }
            }
        }

        return next;
    }

    private static decimal Major(long minor, string currency) =>
        decimal.Parse(Currencies.Major(minor, currency), System.Globalization.CultureInfo.InvariantCulture);
}
