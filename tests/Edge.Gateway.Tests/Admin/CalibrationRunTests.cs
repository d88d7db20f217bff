using Edge.Gateway.Shelves;

namespace Edge.Gateway.Tests.Admin;

/// <summary>The guided calibration's arithmetic and the live reading it is taken from.</summary>
public sealed class CalibrationRunTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AnExactCell_VerifiesAt0Percent()
    {
        // 430 codes a gram from an offset of 120,000.
        var run = new CalibrationRun(RawEmpty: 120_000, RawKnown: 120_000 + (500 * 430), KnownGrams: 500, RawVerify: 120_000 + (200 * 430), VerifyGrams: 200);

        Assert.Null(run.Problem());
        Assert.Equal(1 / 430.0, run.Calibration.GramsPerCount, 12);
        Assert.Equal(200, run.MeasuredVerifyGrams, 9);
        Assert.Equal(0, run.ErrorPercent, 9);
    }

    [Fact]
    public void AWrongVerificationWeight_ShowsAsItsError()
    {
        // The technician says 200 g but put 180 g on the shelf.
        var run = new CalibrationRun(120_000, 120_000 + (500 * 430), 500, 120_000 + (180 * 430), 200);

        Assert.Equal(10, run.ErrorPercent, 9);
        Assert.True(run.ErrorPercent > CalibrationRun.DefaultMaxErrorPercent);
    }

    [Theory]
    [InlineData(0, 215_000, 0, 200, 200, "knownGrams")]
    [InlineData(0, 500, -1, 200, 200, "knownGrams")]
    [InlineData(0, 500, 500, 200, 0, "verifyGrams")]
    [InlineData(0, 500, 500, double.NaN, 200, "rawVerify")]
    [InlineData(0, 500, 500, 9e6, 200, "rawVerify")]
    [InlineData(100, 100, 500, 200, 200, "rawEmpty/rawKnown: the two raw readings must differ")]
    [InlineData(0, 1, 500, 200, 200, "g per count is not a load cell")]
    public void ImpossibleFigures_AreRefusedNamingTheField(double rawEmpty, double rawKnown, double knownGrams, double rawVerify, double verifyGrams, string expected) =>
        Assert.Contains(expected, new CalibrationRun(rawEmpty, rawKnown, knownGrams, rawVerify, verifyGrams).Problem(), StringComparison.Ordinal);

    [Fact]
    public void TheLiveReading_IsStillOnlyAfterTheLoadStopsMoving()
    {
        var live = new LiveReading();
        var cal = new Calibration(0, 0, 430_000, 1000); // 430 codes a gram: the 2 g band is 860 codes
        DateTimeOffset t = T0;
        for (int i = 0; i < 30; i++, t += TimeSpan.FromMilliseconds(100))
        {
            live.Add(i % 2 == 0 ? 100_000 : 150_000, t); // a hand on the shelf
        }

        for (int i = 0; i < 25; i++, t += TimeSpan.FromMilliseconds(100))
        {
            live.Add(215_000 + ((i % 3) * 100), t); // let go: within 0.5 g
        }

        RawSnapshot r = live.Snapshot(cal, t, TimeSpan.FromSeconds(2))!;

        Assert.InRange(r.Raw, 215_000, 215_200);
        Assert.Equal(11, r.Samples); // 10 SPS: one second, both ends counted
        Assert.Equal(TimeSpan.FromMilliseconds(2400), r.Stable);
    }

    [Fact]
    public void NoReadingForTwoSeconds_IsNoReading()
    {
        var live = new LiveReading();
        live.Add(1000, T0);

        Assert.NotNull(live.Snapshot(new Calibration(0, 0, 430_000, 1000), T0 + TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)));
        Assert.Null(live.Snapshot(new Calibration(0, 0, 430_000, 1000), T0 + TimeSpan.FromSeconds(2.1), TimeSpan.FromSeconds(2)));
        Assert.Null(new LiveReading().Snapshot(new Calibration(0, 0, 430_000, 1000), T0, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void TheRingKeepsOnlyItsCapacity()
    {
        var live = new LiveReading();
        DateTimeOffset t = T0;
        for (int i = 0; i < LiveReading.Capacity * 3; i++, t += TimeSpan.FromMilliseconds(12.5))
        {
            live.Add(5000, t);
        }

        RawSnapshot r = live.Snapshot(new Calibration(0, 0, 430_000, 1000), t, TimeSpan.FromSeconds(2))!;
        Assert.Equal(81, r.Samples); // 80 SPS: one second, both ends counted
        Assert.Equal(TimeSpan.FromMilliseconds(12.5 * (LiveReading.Capacity - 1)), r.Stable);
    }
}
