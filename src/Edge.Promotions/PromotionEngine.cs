namespace Edge.Promotions;

/// <summary>What the engine computed: the unit price in minor units and how many promotions were applied.</summary>
/// <param name="Price">The unit price, in the currency's minor unit.</param>
/// <param name="AppliedCount">How many indices of the caller's span were written, in application order.</param>
public readonly record struct PriceResult(long Price, int AppliedCount);

/// <summary>A price with the applied promotions themselves, for callers that do not count allocations.</summary>
public sealed record Evaluation(long Price, long BasePrice, IReadOnlyList<Promotion> Applied)
{
    /// <summary>The applied promotions' ids, in application order; the first one labels the tile.</summary>
    public IReadOnlyList<string> PromotionIds => [.. Applied.Select(p => p.Id)];
}

/// <summary>
/// The one promotion engine: <c>(product, instant, channel, store time zone, promotions) → (price, applied ids)</c>,
/// by the rules of <c>promotions.md</c>: eligibility by channel, scope, window and dayparts; exclusive first, then
/// priority, then input order; sequential application rounded to the minor unit half away from zero after every
/// step; floors at <c>minPrice</c> and 0. No I/O and no clock: the caller passes the instant.
/// </summary>
public static class PromotionEngine
{
    private const int StackLimit = 128;

    /// <summary>
    /// Evaluates <paramref name="product"/> at <paramref name="at"/>. Writes the indices (into
    /// <paramref name="promotions"/>) of the applied promotions to <paramref name="applied"/>, which must be as long
    /// as <paramref name="promotions"/> or longer. Allocates nothing for up to 128 promotions.
    /// </summary>
    public static PriceResult Evaluate(Product product, DateTimeOffset at, Channel channel, TimeZoneInfo storeTimeZone,
        ReadOnlySpan<Promotion> promotions, Span<int> applied, string? audience = null)
    {
        ArgumentNullException.ThrowIfNull(product);
        ArgumentNullException.ThrowIfNull(storeTimeZone);
        if (product.Price < 0)
        {
            throw new ArgumentException($"product.price must not be negative (it is {product.Price})", nameof(product));
        }

        if (applied.Length < promotions.Length)
        {
            throw new ArgumentException("applied must be at least as long as promotions", nameof(applied));
        }

        int[]? rented = null;
        Span<int> order = promotions.Length <= StackLimit
            ? stackalloc int[StackLimit]
            : (rented = System.Buffers.ArrayPool<int>.Shared.Rent(promotions.Length));
        try
        {
            int eligible = 0;
            var local = new LocalTime(at, storeTimeZone);
            for (int i = 0; i < promotions.Length; i++)
            {
                if (IsEligible(promotions[i], product, at, channel, ref local, audience))
                {
                    Insert(order, eligible++, i, promotions);
                }
            }

            return Apply(product, promotions, order[..eligible], applied);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<int>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The same evaluation, returning the applied promotions themselves.</summary>
    public static Evaluation Evaluate(Product product, DateTimeOffset at, Channel channel, TimeZoneInfo storeTimeZone,
        IReadOnlyList<Promotion> promotions, string? audience = null)
    {
        ArgumentNullException.ThrowIfNull(promotions);
        Promotion[] all = promotions as Promotion[] ?? [.. promotions];
        int[] indices = new int[all.Length];
        PriceResult r = Evaluate(product, at, channel, storeTimeZone, all, indices, audience);
        return new Evaluation(r.Price, product.Price, [.. indices.Take(r.AppliedCount).Select(i => all[i])]);
    }

    /// <summary>Whether <paramref name="promotion"/> may apply to <paramref name="product"/> at <paramref name="at"/> on <paramref name="channel"/>.</summary>
    public static bool IsEligible(Promotion promotion, Product product, DateTimeOffset at, Channel channel, TimeZoneInfo storeTimeZone, string? audience = null)
    {
        ArgumentNullException.ThrowIfNull(promotion);
        ArgumentNullException.ThrowIfNull(product);
        ArgumentNullException.ThrowIfNull(storeTimeZone);
        var local = new LocalTime(at, storeTimeZone);
        return IsEligible(promotion, product, at, channel, ref local, audience);
    }

    private static bool IsEligible(Promotion p, Product product, DateTimeOffset at, Channel channel, ref LocalTime local, string? audience)
    {
        if ((p.Channels & (Channels)channel) == 0)
        {
            return false;
        }

        if (!(p.Skus.Contains(product.Sku) || (p.Category is not null && string.Equals(p.Category, product.Category, StringComparison.Ordinal))))
        {
            return false;
        }

        // Instants are compared as instants: DateTimeOffset compares UTC ticks, whatever the offsets.
        if ((p.Start is { } start && at < start) || (p.End is { } end && at >= end))
        {
            return false;
        }

        if (p.Audience is not null && !string.Equals(p.Audience, audience, StringComparison.Ordinal))
        {
            return false;
        }

        if (p.Dayparts is { Count: > 0 } dayparts)
        {
            (DayOfWeek day, TimeOnly t) = local.Get();
            for (int i = 0; i < dayparts.Count; i++)
            {
                if (dayparts[i].Matches(day, t))
                {
                    return true;
                }
            }

            return false;
        }

        return true;
    }

    // Insertion into the sorted prefix: exclusive first, then priority descending, then input order (stable).
    private static void Insert(Span<int> order, int count, int index, ReadOnlySpan<Promotion> promotions)
    {
        Promotion p = promotions[index];
        int at = count;
        while (at > 0 && Before(p, promotions[order[at - 1]]))
        {
            order[at] = order[at - 1];
            at--;
        }

        order[at] = index;
    }

    private static bool Before(Promotion a, Promotion b) =>
        a.Stackable != b.Stackable ? !a.Stackable : a.Priority > b.Priority;

    private static PriceResult Apply(Product product, ReadOnlySpan<Promotion> promotions, ReadOnlySpan<int> order, Span<int> applied)
    {
        long price = product.Price;
        long floor = Math.Max(product.MinPrice ?? 0, 0);
        int count = 0;
        foreach (int i in order)
        {
            Promotion p = promotions[i];
            if (price <= floor)
            {
                continue;
            }

            long next = Math.Max(Discounted(price, p.Discount), floor);
            if (next >= price)
            {
                continue;
            }

            price = next;
            applied[count++] = i;
            if (!p.Stackable)
            {
                break;
            }
        }

        return new PriceResult(price, count);
    }

    private static long Discounted(long price, Discount d) => d.Type switch
    {
        DiscountType.Percent => (long)Math.Round(price * (100m - d.Value) / 100m, 0, MidpointRounding.AwayFromZero),
        DiscountType.Amount => price - (long)d.Value,
        DiscountType.Price => Math.Min((long)d.Value, price),
        _ => throw new ArgumentOutOfRangeException(nameof(d), d.Type, "unknown discount type"),
    };

    // The store's local weekday and time, converted once and only when a daypart asks.
    private struct LocalTime(DateTimeOffset at, TimeZoneInfo zone)
    {
        private bool _known;
        private DayOfWeek _day;
        private TimeOnly _time;

        public (DayOfWeek, TimeOnly) Get()
        {
            if (!_known)
            {
                DateTime local = TimeZoneInfo.ConvertTime(at, zone).DateTime;
                _day = local.DayOfWeek;
                _time = TimeOnly.FromDateTime(local);
                _known = true;
            }

            return (_day, _time);
        }
    }
}
