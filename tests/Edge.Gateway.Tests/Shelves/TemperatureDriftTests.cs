using Edge.Gateway.Shelves;

namespace Edge.Gateway.Tests.Shelves;

public class TemperatureDriftTests
{
    private const double Tray = 350;
    private const double Unit = 25; // a small chilled item: 24 g of drift is within tolerance of one
    private const double Drift = 6; // g/°C: 0.03 %FS/°C on a 20 kg cell, an uncompensated bridge and HX711

    // A day of a chilled shelf: real picks, a HX711 outage of an hour while the case warms 4 °C, the temperature
    // sensor faulted for an hour, a 30 °C glitch for one reading (held five seconds by the service).
    private static readonly (TimeSpan At, int Items)[] Picks =
    [
        (H(7), -1), (H(8.25), -2), (H(9.67), +1), (H(10.83), -1), (H(13.33), -3), (H(14), -1),
        (H(15.5), -1), (H(17), +1), (H(19.17), -2), (H(21.75), -1), (H(23), -1),
    ];

    private static TimeSpan H(double hours) => TimeSpan.FromHours(hours);

    private static (SlotPipeline Pipeline, ChilledShelf Shelf, List<ShelfEvent> Events) Chilled(int items, double gramsPerCelsius = Drift, DetectionOptions? options = null)
    {
        var events = new List<ShelfEvent>();
        var shelf = new ChilledShelf(Tray + (items * Unit), gramsPerCelsius);
        shelf.Pipeline = new SlotPipeline(new SlotIdentity("C-01", "4901234567894", Unit, 0), ShelfSignal.Cal, Tray, options ?? new DetectionOptions(), events.Add, 10, shelf);
        return (shelf.Pipeline, shelf, events);
    }

    private static (SlotPipeline Pipeline, List<ShelfEvent> Events) RunTheDay(bool compensate)
    {
        (SlotPipeline pipeline, ChilledShelf shelf, List<ShelfEvent> events) = Chilled(30, options: new DetectionOptions { TemperatureCompensation = compensate });
        foreach ((TimeSpan at, int items) in Picks)
        {
            if (at > H(11.5) && shelf.Elapsed < H(11.5))
            {
                shelf.HoldUntil(H(11.5));
                shelf.Outage(H(1));
            }

            if (at > H(15) && shelf.Elapsed < H(15))
            {
                shelf.HoldUntil(H(15));
                shelf.SensorFaulted = true;
            }

            if (at > H(16) && shelf.SensorFaulted)
            {
                shelf.HoldUntil(H(16));
                shelf.SensorFaulted = false;
            }

            if (at > H(18) && shelf.Elapsed < H(18))
            {
                shelf.HoldUntil(H(18));
                shelf.Override = shelf.Celsius + 30;
                shelf.Hold(TimeSpan.FromSeconds(5));
                shelf.Override = null;
            }

            shelf.HoldUntil(at);
            shelf.Step(items * Unit);
        }

        shelf.HoldUntil(H(24));
        return (pipeline, events);
    }

    [Fact]
    public void ASimulatedDayWithAPlusMinus4DegreeSwing_ProducesNoPhantomPick_AndCountsEveryRealOne()
    {
        (SlotPipeline pipeline, List<ShelfEvent> events) = RunTheDay(compensate: true);

        List<ShelfEvent> counted = [.. events.Where(e => e.Type is ShelfEventType.ItemsRemoved or ShelfEventType.ItemsAdded or ShelfEventType.Restocked)];
        Assert.Equal(Picks.Select(p => p.Items), counted.Select(e => e.CountAfter - e.CountBefore));
        Assert.DoesNotContain(events, e => e.Type == ShelfEventType.UnknownChange);
        Assert.Equal([ShelfEventType.SensorFault, ShelfEventType.SensorRecovered], events.Where(e => e.Type is ShelfEventType.SensorFault or ShelfEventType.SensorRecovered).Select(e => e.Type));
        Assert.Equal(30 + Picks.Sum(p => p.Items), pipeline.Count);
        Assert.True(pipeline.DriftCompensationTrusted);
        Assert.InRange(pipeline.DriftGramsPerCelsius, Drift - 0.3, Drift + 0.3);
    }

    [Fact]
    public void TheSameDayWithoutCompensation_CountsAPhantomItem_AndTheRealPicksComeAtTheSameTimes()
    {
        (SlotPipeline uncompensated, List<ShelfEvent> plain) = RunTheDay(compensate: false);
        (_, List<ShelfEvent> compensated) = RunTheDay(compensate: true);

        // The HX711 was out while the case warmed 4 °C: 24 g of drift, judged on recovery as one item put back.
        ShelfEvent phantom = Assert.Single(plain, e => e.Type == ShelfEventType.ItemsAdded && e.Timestamp - ChilledShelf.Midnight is var t && t > H(12.5) && t < H(12.6));
        Assert.InRange(phantom.Grams, 20, 28);
        Assert.NotEqual(30 + Picks.Sum(p => p.Items), uncompensated.Count);

        // Compensation changes no decision's latency: every real pick is emitted at the same sample.
        static IEnumerable<DateTimeOffset> Real(List<ShelfEvent> events, ShelfEvent? except) =>
            events.Where(e => e != except && e.Type is ShelfEventType.ItemsRemoved or ShelfEventType.ItemsAdded).Select(e => e.Timestamp);
        Assert.Equal(Real(plain, phantom), Real(compensated, null));
    }

    private static (SlotPipeline Pipeline, ChilledShelf Shelf, List<ShelfEvent> Events) Learned(int items, double gramsPerCelsius = Drift, DetectionOptions? options = null)
    {
        (SlotPipeline pipeline, ChilledShelf shelf, List<ShelfEvent> events) = Chilled(items, gramsPerCelsius, options);
        shelf.Hold(H(3)); // half a swing: 4 → 8 → 4 °C
        Assert.Equal(items, pipeline.Count);
        Assert.True(pipeline.DriftCompensationTrusted);
        return (pipeline, shelf, events);
    }

    [Fact]
    public void AFaultedSensorMidDay_LearnsNothing_HoldsTheCompensation_AndResumesWithoutAStep()
    {
        (SlotPipeline pipeline, ChilledShelf shelf, List<ShelfEvent> events) = Learned(items: 12);
        double slope = pipeline.DriftGramsPerCelsius;
        double held = pipeline.TemperatureCompensationGrams;

        shelf.SensorFaulted = true;
        shelf.Hold(TimeSpan.FromMinutes(30)); // the case cools 4 °C meanwhile (24 g): the drift follower has it
        Assert.Null(pipeline.Celsius);
        Assert.Equal(held, pipeline.TemperatureCompensationGrams);
        Assert.Equal(slope, pipeline.DriftGramsPerCelsius); // nothing learned from a stale or absent reading

        shelf.SensorFaulted = false;
        shelf.Hold(TimeSpan.FromSeconds(2));
        Assert.InRange(pipeline.TemperatureCompensationGrams - held, -0.1, 0.1); // a new base, not a 24 g step
        Assert.NotNull(pipeline.Celsius);

        shelf.Hold(H(2));
        shelf.Step(-Unit);
        shelf.Hold(TimeSpan.FromSeconds(2));
        ShelfEvent e = Assert.Single(events);
        Assert.Equal((12, 11), (e.CountBefore, e.CountAfter));
        Assert.InRange(pipeline.DriftGramsPerCelsius, Drift - 0.3, Drift + 0.3);
    }

    [Theory]
    [InlineData(30, 5, 0.02)] // one reading 30 °C off, served for five seconds
    [InlineData(-30, 1, 0.02)]
    [InlineData(10, 600, 0.1)] // a sensor re-seated that now reads 10 °C high: a new base after 30 s (and a new intercept), never a 60 g step
    public void ATemperatureJump_IsNeitherLearnedNorApplied(double jump, int seconds, double slopeTolerance)
    {
        (SlotPipeline glitched, ChilledShelf shelf, List<ShelfEvent> events) = Learned(items: 12);
        (SlotPipeline twin, ChilledShelf twinShelf, _) = Learned(items: 12);
        double before = glitched.TemperatureCompensationGrams;

        double widest = 0;
        shelf.Override = shelf.Celsius + jump;
        for (int i = 0; i < seconds; i++)
        {
            shelf.Hold(TimeSpan.FromSeconds(1));
            twinShelf.Hold(TimeSpan.FromSeconds(1));
            widest = Math.Max(widest, Math.Abs(glitched.TemperatureCompensationGrams - before));
        }

        shelf.Override = null;
        shelf.Hold(H(1));
        twinShelf.Hold(H(1));

        Assert.InRange(widest, 0, 0.5);
        Assert.Empty(events);
        Assert.InRange(glitched.DriftGramsPerCelsius - twin.DriftGramsPerCelsius, -slopeTolerance, slopeTolerance);
        Assert.InRange(glitched.DriftGramsPerCelsius, Drift - 0.3, Drift + 0.3);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(-273.15)]
    [InlineData(1000)]
    public void AnImpossibleReading_IsNoReading(double celsius)
    {
        (SlotPipeline pipeline, ChilledShelf shelf, List<ShelfEvent> events) = Chilled(items: 12);
        shelf.Override = celsius;

        shelf.Hold(H(3));

        Assert.Null(pipeline.Celsius);
        Assert.False(pipeline.DriftCompensationTrusted);
        Assert.Equal(0, pipeline.DriftGramsPerCelsius);
        Assert.Equal(0, pipeline.TemperatureCompensationGrams);
        Assert.Empty(events);
    }

    [Fact]
    public void AtASteadyTemperature_NothingIsTrustedOrApplied()
    {
        (SlotPipeline pipeline, ChilledShelf shelf, List<ShelfEvent> events) = Chilled(items: 12);
        shelf.Case = _ => 3.5 + (0.4 * Math.Sin(shelf.Elapsed.TotalMinutes)); // a case that holds within ±0.4 °C

        shelf.Hold(H(6));

        Assert.False(pipeline.DriftCompensationTrusted);
        Assert.Equal(0, pipeline.TemperatureCompensationGrams);
        Assert.NotNull(pipeline.Celsius);
        Assert.Empty(events);
    }

    [Fact]
    public void ALearnedSlopeBeyondTheBound_IsHeldAtTheBound()
    {
        (SlotPipeline pipeline, _, List<ShelfEvent> events) = Learned(items: 12, gramsPerCelsius: 50);

        Assert.Equal(new DetectionOptions().MaxDriftGramsPerCelsius, pipeline.DriftGramsPerCelsius);
        Assert.Empty(events);
    }

    [Fact]
    public void WithCompensationOff_TheSlopeIsLearnedAndShown_ButNothingIsApplied()
    {
        (SlotPipeline pipeline, ChilledShelf shelf, _) = Learned(items: 12, options: new DetectionOptions { TemperatureCompensation = false });

        shelf.Hold(H(1));

        Assert.InRange(pipeline.DriftGramsPerCelsius, Drift - 0.3, Drift + 0.3);
        Assert.Equal(0, pipeline.TemperatureCompensationGrams);
    }

    [Fact]
    public void ARestartAtTheSameTemperature_ComparesTheLevelTheScaleReads_AndSeesNoChange()
    {
        (SlotPipeline pipeline, ChilledShelf shelf, _) = Learned(items: 12);
        shelf.Hold(TimeSpan.FromMinutes(45)); // cooling to 1.2 °C: about 29 g compensated since the slope was trusted
        Assert.InRange(pipeline.TemperatureCompensationGrams, -32, -24);

        var events = new List<ShelfEvent>();
        var restarted = new SlotPipeline(pipeline.Slot, ShelfSignal.Cal, Tray, new DetectionOptions(), events.Add, 10, shelf);
        restarted.Restore(pipeline.Count, pipeline.LevelGrams);
        shelf.Pipeline = restarted;
        shelf.Hold(TimeSpan.FromSeconds(3));

        Assert.Empty(events);
        Assert.Equal(12, restarted.Count);
    }

    [Fact]
    public void Tare_TakesTheDriftIntoTheZero_AndCountingGoesOn()
    {
        (SlotPipeline pipeline, ChilledShelf shelf, List<ShelfEvent> events) = Learned(items: 0);
        shelf.Hold(TimeSpan.FromMinutes(45));
        double compensated = pipeline.TemperatureCompensationGrams;

        double? tare = pipeline.Tare();

        Assert.NotNull(tare);
        double drift = Drift * (shelf.Celsius - ChilledShelf.ReferenceCelsius);
        Assert.InRange(tare.Value - Tray, drift - 1, drift + 1); // the empty tray as the scale reads it now
        Assert.True(Math.Abs(compensated) > 20);
        Assert.Equal(0, pipeline.TemperatureCompensationGrams);
        shelf.Hold(H(1));
        shelf.Step(2 * Unit);
        shelf.Hold(TimeSpan.FromSeconds(2));
        Assert.Equal(2, pipeline.Count);
        Assert.Equal(ShelfEventType.ItemsAdded, Assert.Single(events).Type);
    }

    [Theory]
    [InlineData(0, 20)]
    [InlineData(25, 20)]
    [InlineData(2, 0)]
    [InlineData(2, double.NaN)]
    public void BadCompensationSettings_AreNamed(double minSpread, double maxSlope)
    {
        string? problem = new DetectionOptions { TemperatureMinSpread = minSpread, MaxDriftGramsPerCelsius = maxSlope }.Problem("Detection");

        Assert.NotNull(problem);
        Assert.Contains(minSpread is > 0 and <= 20 ? "MaxDriftGramsPerCelsius" : "TemperatureMinSpread", problem, StringComparison.Ordinal);
    }
}
