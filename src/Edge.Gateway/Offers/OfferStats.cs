namespace Edge.Gateway.Offers;

/// <summary>
/// Offers triggered and suppressed (by reason) per zone and promotion, for the store-local day; the counts start
/// again at local midnight. Bounded by zones × promotions × reasons.
/// </summary>
public sealed class OfferStats
{
    private readonly Dictionary<(string Zone, string? Promotion), long[]> _counts = [];
    private DateOnly _day;

    /// <summary>One zone's and promotion's counts.</summary>
    public sealed record Row(string Zone, string? PromotionId, long Triggered, IReadOnlyDictionary<string, long> Suppressed);

    /// <summary>The day's counts, in total and by zone and promotion.</summary>
    public sealed record Report(DateOnly Date, long Triggered, IReadOnlyDictionary<string, long> Suppressed, IReadOnlyList<Row> ByZoneAndPromotion);

    /// <summary>Counts one decision made at the store-local <paramref name="local"/> time.</summary>
    public void Count(DateTimeOffset local, OfferDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        Roll(DateOnly.FromDateTime(local.DateTime));
        (string, string?) key = (decision.Zone, decision.PromotionId);
        if (!_counts.TryGetValue(key, out long[]? row))
        {
            _counts[key] = row = new long[Enum.GetValues<SuppressedBy>().Length + 1];
        }

        row[decision.Reason is { } r ? 1 + (int)r : 0]++;
    }

    /// <summary>The counts of <paramref name="day"/> (empty for any other day than the one counted).</summary>
    public Report ReportOf(DateOnly day)
    {
        Roll(day);
        Row[] rows = [.. _counts.OrderBy(kv => kv.Key.Zone, StringComparer.Ordinal).ThenBy(kv => kv.Key.Promotion, StringComparer.Ordinal)
            .Select(kv => new Row(kv.Key.Zone, kv.Key.Promotion, kv.Value[0], Reasons(kv.Value)))];
        long[] total = new long[Enum.GetValues<SuppressedBy>().Length + 1];
        foreach (long[] r in _counts.Values)
        {
            for (int i = 0; i < r.Length; i++)
            {
                total[i] += r[i];
            }
        }

        return new Report(day, total[0], Reasons(total), rows);
    }

    private static Dictionary<string, long> Reasons(long[] row) =>
        Enum.GetValues<SuppressedBy>().ToDictionary(r => char.ToLowerInvariant(r.ToString()[0]) + r.ToString()[1..], r => row[1 + (int)r], StringComparer.Ordinal);

    private void Roll(DateOnly day)
    {
        if (day > _day)
        {
            _day = day;
            _counts.Clear();
        }
    }
}
