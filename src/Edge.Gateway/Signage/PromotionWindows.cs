using Edge.Promotions;

namespace Edge.Gateway.Signage;

/// <summary>
/// When a promotion begins or stops applying, by its start and end and by its dayparts' windows in store-local time
/// (a window whose end is not after its start crosses midnight and belongs to the day it starts on).
/// </summary>
public static class PromotionWindows
{
    /// <summary>Every instant in (<paramref name="now"/>, <paramref name="now"/> + <paramref name="within"/>] at which <paramref name="p"/> may start or stop applying.</summary>
    public static IEnumerable<DateTimeOffset> Edges(Promotion p, DateTimeOffset now, TimeSpan within, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(p);
        IEnumerable<DateTimeOffset> all = ((DateTimeOffset?[])[p.Start, p.End]).OfType<DateTimeOffset>()
            .Concat(Windows(p, now, zone, days: 2).SelectMany(w => (DateTimeOffset[])[w.From, w.To]));
        return all.Where(e => e > now && e - now <= within);
    }

    /// <summary>When <paramref name="p"/>, applying at <paramref name="now"/>, stops: its end, or sooner the end of today's window.</summary>
    public static DateTimeOffset? EndOf(Promotion p, DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(p);
        DateTimeOffset? window = Windows(p, now, zone, days: 0).Where(w => w.From <= now && now < w.To).Select(w => (DateTimeOffset?)w.To).Min();
        return window is { } w && (p.End is null || w < p.End) ? w : p.End;
    }

    // The daypart windows that start from yesterday (a window crossing midnight may still be open) to `days` days ahead.
    private static IEnumerable<(DateTimeOffset From, DateTimeOffset To)> Windows(Promotion p, DateTimeOffset now, TimeZoneInfo zone, int days)
    {
        if (p.Dayparts is not { Count: > 0 } dayparts)
        {
            yield break;
        }

        DateOnly today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        for (int offset = -1; offset <= days; offset++)
        {
            DateOnly day = today.AddDays(offset);
            foreach (Daypart d in dayparts)
            {
                // A window starts on a day the daypart has: exactly when its own start matches.
                if (!d.Matches(day.DayOfWeek, d.From))
                {
                    continue;
                }

                DateOnly endDay = d.To <= d.From ? day.AddDays(1) : day;
                yield return (Local(day, d.From, zone), Local(endDay, d.To, zone));
            }
        }
    }

    private static DateTimeOffset Local(DateOnly day, TimeOnly time, TimeZoneInfo zone)
    {
        DateTime local = day.ToDateTime(time);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
