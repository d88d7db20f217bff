namespace Edge.Promotions;

/// <summary>A sales channel. The values are flags so that a promotion can name several (see <see cref="Channels"/>).</summary>
public enum Channel
{
    /// <summary>The web shop.</summary>
    Online = 1,

    /// <summary>The shop floor: shelf labels and signage.</summary>
    Store = 2,

    /// <summary>The retailer's app.</summary>
    App = 4,
}

/// <summary>The channels a promotion is for.</summary>
[Flags]
public enum Channels
{
    /// <summary>No channel.</summary>
    None = 0,

    /// <summary>The web shop.</summary>
    Online = Channel.Online,

    /// <summary>The shop floor.</summary>
    Store = Channel.Store,

    /// <summary>The app.</summary>
    App = Channel.App,

    /// <summary>Every channel (a promotion with no channel list).</summary>
    All = Online | Store | App,
}

/// <summary>Days of the week as flags, for dayparts.</summary>
[Flags]
public enum Days
{
    /// <summary>No day.</summary>
    None = 0,

    /// <summary>Sunday.</summary>
    Sun = 1 << DayOfWeek.Sunday,

    /// <summary>Monday.</summary>
    Mon = 1 << DayOfWeek.Monday,

    /// <summary>Tuesday.</summary>
    Tue = 1 << DayOfWeek.Tuesday,

    /// <summary>Wednesday.</summary>
    Wed = 1 << DayOfWeek.Wednesday,

    /// <summary>Thursday.</summary>
    Thu = 1 << DayOfWeek.Thursday,

    /// <summary>Friday.</summary>
    Fri = 1 << DayOfWeek.Friday,

    /// <summary>Saturday.</summary>
    Sat = 1 << DayOfWeek.Saturday,
}

/// <summary>How a promotion lowers the unit price.</summary>
public enum DiscountType
{
    /// <summary>Value percent off.</summary>
    Percent,

    /// <summary>Value (minor units) off.</summary>
    Amount,

    /// <summary>The price becomes value (minor units), when that is lower.</summary>
    Price,
}

/// <summary>A discount: percent (0 to 100, may be fractional), or an amount or set-to price in minor units (whole, ≥ 0).</summary>
public readonly record struct Discount(DiscountType Type, decimal Value);

/// <summary>
/// A recurring window in store local time. <c>To ≤ From</c> crosses midnight and belongs to the day it starts on.
/// </summary>
public sealed record Daypart(Days Days, TimeOnly From, TimeOnly To)
{
    /// <summary>Whether local weekday <paramref name="day"/> at local time <paramref name="t"/> is inside this daypart.</summary>
    public bool Matches(DayOfWeek day, TimeOnly t)
    {
        if (From < To)
        {
            return Has(day) && t >= From && t < To;
        }

        DayOfWeek previous = day == DayOfWeek.Sunday ? DayOfWeek.Saturday : day - 1;
        return (Has(day) && t >= From) || (Has(previous) && t < To);
    }

    private bool Has(DayOfWeek day) => (Days & (Days)(1 << (int)day)) != 0;
}

/// <summary>Text in the store's two languages.</summary>
public sealed record LocalizedText(string? Ja, string? En);

/// <summary>What the engine needs of a product: its base unit price in minor units, currency, category and floor.</summary>
public sealed record Product(string Sku, long Price, string Currency, string? Category = null, long? MinPrice = null);

/// <summary>One catalog promotion, as every channel receives it.</summary>
public sealed record Promotion
{
    /// <summary>Identifier, unique within the retailer.</summary>
    public required string Id { get; init; }

    /// <summary>Version of this promotion's definition.</summary>
    public long Version { get; init; }

    /// <summary>SKUs in scope (empty: none by SKU).</summary>
    public IReadOnlySet<string> Skus { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Category in scope, or null.</summary>
    public string? Category { get; init; }

    /// <summary>The discount.</summary>
    public required Discount Discount { get; init; }

    /// <summary>The channels it is for.</summary>
    public Channels Channels { get; init; } = Channels.All;

    /// <summary>Higher first.</summary>
    public int Priority { get; init; }

    /// <summary>False: exclusive, applied first and alone.</summary>
    public bool Stackable { get; init; } = true;

    /// <summary>Inclusive start; null is open.</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary>Exclusive end; null is open.</summary>
    public DateTimeOffset? End { get; init; }

    /// <summary>When present, at least one must match.</summary>
    public IReadOnlyList<Daypart>? Dayparts { get; init; }

    /// <summary>Only callers with this audience get it (the app); null is everyone.</summary>
    public string? Audience { get; init; }

    /// <summary>What a tile or an offer says.</summary>
    public LocalizedText Title { get; init; } = new(null, null);

    /// <summary>Cart-level offer text ("2 for ¥500"): shown, never applied to the unit price.</summary>
    public string? Multibuy { get; init; }

    /// <summary>Whether it is limited in time (a window or dayparts): what an implausible clock must not apply.</summary>
    public bool IsTimeLimited => Start is not null || End is not null || Dayparts is { Count: > 0 };
}
