using Edge.Gateway.Temperature;

namespace Edge.Gateway.Tests.Temperature;

/// <summary>A chilled case's readings through the excursion rules: minimum duration, hysteresis, the daily record.</summary>
public sealed class CaseExcursionsTests
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
    private static readonly CaseLimits Dairy = new(High: 8, Hysteresis: 1, MinDuration: TimeSpan.FromMinutes(10), Interval: TimeSpan.FromMinutes(1));

    // 09:00 in Tokyo.
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);

    private static List<CaseAlert> Feed(CaseExcursions c, DateTimeOffset from, params double?[] perMinute)
    {
        var alerts = new List<CaseAlert>();
        for (int i = 0; i < perMinute.Length; i++)
        {
            if (c.Observe(from.AddMinutes(i), perMinute[i]) is { } a)
            {
                alerts.Add(a);
            }
        }

        return alerts;
    }

    private static double?[] Repeat(double? value, int minutes) => Enumerable.Repeat(value, minutes).ToArray();

    [Fact]
    public void ADoorOpenedForTwoMinutes_RaisesNothing_ButCountsItsMinutesOutOfRange()
    {
        var c = new CaseExcursions("dairy-1", Dairy, Tokyo);

        List<CaseAlert> alerts = Feed(c, Start, [.. Repeat(4, 30), 11.5, 12, .. Repeat(4.5, 30)]);

        Assert.Empty(alerts);
        CaseDay day = c.Record(new DateOnly(2026, 12, 2));
        Assert.Equal((4, 12, 2.0, 62), (day.Min, day.Max, day.MinutesOutOfRange, day.Readings));
    }

    [Fact]
    public void AnExcursionPastTheMinimumDuration_RaisesOneAlert_AndOneRecoveryOnlyBelowTheHysteresisBand()
    {
        var c = new CaseExcursions("dairy-1", Dairy, Tokyo);

        // 15 min warm, then 10 min wavering between the limit and the band (7.5 °C: not recovered), then cold again.
        List<CaseAlert> alerts = Feed(c, Start, [.. Repeat(4, 5), .. Repeat(10, 15), .. Repeat(7.5, 5), 8.5, .. Repeat(7.5, 4), .. Repeat(5, 10)]);

        Assert.Collection(
            alerts,
            high =>
            {
                Assert.Equal(CaseAlertKind.TemperatureHigh, high.Kind);
                Assert.Equal((Start.AddMinutes(5), Start.AddMinutes(15), 10.0), (high.Since, high.At, high.Peak));
            },
            recovered =>
            {
                Assert.Equal(CaseAlertKind.TemperatureRecovered, recovered.Kind);
                Assert.Equal((Start.AddMinutes(5), Start.AddMinutes(30), 10.0), (recovered.Since, recovered.At, recovered.Peak));
            });
        Assert.False(c.Alerted);
        Assert.Equal(16, c.Record(new DateOnly(2026, 12, 2)).MinutesOutOfRange); // 15 at 10 °C and 1 at 8.5 °C
    }

    [Fact]
    public void FaultedReadings_AreNoTemperature_AndNeitherStartNorEndAnExcursion()
    {
        var c = new CaseExcursions("dairy-1", Dairy, Tokyo);

        List<CaseAlert> alerts = Feed(c, Start, [.. Repeat(10, 5), .. Repeat(null, 3), .. Repeat(10, 6), 4]);

        // The excursion began at minute 0 and is still one at minute 10 (the fault did not end it).
        Assert.Equal([CaseAlertKind.TemperatureHigh, CaseAlertKind.TemperatureRecovered], alerts.Select(a => a.Kind));
        CaseDay day = c.Record(new DateOnly(2026, 12, 2));
        Assert.Equal((3.0, 11.0, 12), (day.MinutesFaulted, day.MinutesOutOfRange, day.Readings));
    }

    [Fact]
    public void TheDailyRecord_SplitsAtTheStoresMidnight_AndDoesNotCountAGapInReadings()
    {
        var c = new CaseExcursions("dairy-1", Dairy, Tokyo);
        DateTimeOffset beforeMidnight = new(2026, 12, 2, 23, 58, 0, TimeSpan.FromHours(9));

        _ = Feed(c, beforeMidnight, 9, 9, 9, 9);          // 23:58 to 00:01, Tokyo time
        _ = c.Observe(beforeMidnight.AddHours(3), 9);     // three hours without a reading (a sensor unplugged)
        _ = c.Observe(beforeMidnight.AddHours(3).AddMinutes(1), 3);

        Assert.Equal(2, c.Record(new DateOnly(2026, 12, 2)).MinutesOutOfRange);
        CaseDay next = c.Record(new DateOnly(2026, 12, 3));
        // 00:00-00:01, 00:01-00:03 (a gap counts for twice the interval only) and 02:58-02:59, the minute before 3 °C.
        Assert.Equal((4.0, 3, 9, 4), (next.MinutesOutOfRange, next.Min, next.Max, next.Readings));
        Assert.Equal(new CaseDay("dairy-1", new DateOnly(2026, 12, 1), null, null, 0, 0, 0), c.Record(new DateOnly(2026, 12, 1)));
    }

    [Fact]
    public void AClockThatStepsBack_NeitherThrowsNorCountsNegativeTime_AndTheAlertKeepsItsStart()
    {
        var c = new CaseExcursions("dairy-1", Dairy, Tokyo);

        List<CaseAlert> alerts = Feed(c, Start, 10, 10, 10);                  // 2 minutes of excursion
        alerts.AddRange(Feed(c, Start.AddHours(-1), [.. Repeat(10, 9), 4]));  // the step counts nothing; 8 more minutes

        Assert.Equal([CaseAlertKind.TemperatureHigh, CaseAlertKind.TemperatureRecovered], alerts.Select(a => a.Kind));
        Assert.Equal(Start.AddHours(-1).AddMinutes(8), alerts[0].At);
        Assert.Equal(Start, alerts[1].Since); // the record says when it began
        Assert.True(c.Record(new DateOnly(2026, 12, 2)).MinutesOutOfRange >= 0);
    }

    [Fact]
    public void AClockThatJumpsForward_DoesNotTurnAnOpenDoorIntoAnAlert()
    {
        var c = new CaseExcursions("dairy-1", Dairy, Tokyo);

        List<CaseAlert> alerts = Feed(c, Start, 4, 11);
        alerts.AddRange(Feed(c, Start.AddHours(5), 11, 4)); // NTP corrects a clock started five hours behind

        Assert.Empty(alerts);
    }

    [Theory]
    [InlineData(double.NaN, 1, 10, 1, "Temperature:High must be a temperature in °C")]
    [InlineData(8, -1, 10, 1, "Temperature:Hysteresis must be 0 °C or more")]
    [InlineData(8, 1, -1, 1, "Temperature:MinDuration must not be negative")]
    [InlineData(8, 1, 10, 0, "Temperature:Interval must be longer than 0")]
    public void BadLimits_AreRefusedNamingTheKey(double high, double hysteresis, int minMinutes, int intervalMinutes, string message)
    {
        var limits = new CaseLimits(high, hysteresis, TimeSpan.FromMinutes(minMinutes), TimeSpan.FromMinutes(intervalMinutes));

        ArgumentException ex = Assert.Throws<ArgumentException>(() => new CaseExcursions("c", limits, Tokyo));
        Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
    }
}
