using Edge.Gateway.Shelves;

namespace Edge.Gateway.Tests.Shelves;

public class SlotPipelineTests
{
    private const double Tray = 350;
    private const double Unit = 120;
    private readonly List<ShelfEvent> _events = [];

    private SlotPipeline NewPipeline(int lowStock = 3) =>
        new(new SlotIdentity("A-01", "4901234567894", Unit, lowStock), ShelfSignal.Cal, Tray, new DetectionOptions(), _events.Add);

    private (SlotPipeline Pipeline, ShelfSignal Signal) Started(int items, int lowStock = 3)
    {
        SlotPipeline pipeline = NewPipeline(lowStock);
        var signal = new ShelfSignal(pipeline, Tray + (items * Unit));
        signal.Hold(TimeSpan.FromSeconds(3));
        Assert.Equal(items, pipeline.Count);
        return (pipeline, signal);
    }

    [Fact]
    public void FirstStillWindow_CountsItemsFromTheAbsoluteWeight_WithoutAnEvent()
    {
        (SlotPipeline pipeline, _) = Started(items: 10);

        Assert.Equal(SlotStatus.Ok, pipeline.Status);
        Assert.Empty(_events);
    }

    [Fact]
    public void Pick_OfTwoItems_EmitsItemsRemovedWithCountsAndConfidence()
    {
        (SlotPipeline pipeline, ShelfSignal signal) = Started(items: 10);

        signal.Step(-2 * Unit);
        signal.Hold(TimeSpan.FromSeconds(2));

        ShelfEvent e = Assert.Single(_events);
        Assert.Equal(ShelfEventType.ItemsRemoved, e.Type);
        Assert.Equal((10, 8), (e.CountBefore, e.CountAfter));
        Assert.InRange(e.Grams, -2 * Unit - 3, -2 * Unit + 3);
        Assert.True(e.Confidence > 0.9, $"confidence {e.Confidence}");
        Assert.Equal("A-01", e.ShelfId);
        Assert.Equal(8, pipeline.Count);
    }

    [Fact]
    public void PutBack_OfOneItem_EmitsItemsAdded()
    {
        (_, ShelfSignal signal) = Started(items: 5);

        signal.Step(Unit);
        signal.Hold(TimeSpan.FromSeconds(2));

        ShelfEvent e = Assert.Single(_events);
        Assert.Equal(ShelfEventType.ItemsAdded, e.Type);
        Assert.Equal((5, 6), (e.CountBefore, e.CountAfter));
    }

    [Fact]
    public void AddingManyItems_IsARestock()
    {
        (_, ShelfSignal signal) = Started(items: 1);

        signal.Step(9 * Unit);
        signal.Hold(TimeSpan.FromSeconds(2));

        ShelfEvent e = Assert.Single(_events);
        Assert.Equal(ShelfEventType.Restocked, e.Type);
        Assert.Equal(10, e.CountAfter);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(-1.45)]
    [InlineData(0.4)]
    public void StepThatIsNotAWholeNumberOfItems_IsAnUnknownChange_AndTheCountStays(double units)
    {
        (SlotPipeline pipeline, ShelfSignal signal) = Started(items: 6);

        signal.Step(units * Unit);
        signal.Hold(TimeSpan.FromSeconds(2));

        ShelfEvent e = Assert.Single(_events);
        Assert.Equal(ShelfEventType.UnknownChange, e.Type);
        Assert.Equal((6, 6), (e.CountBefore, e.CountAfter));
        Assert.Equal(0, e.Confidence);
        Assert.Equal(6, pipeline.Count);
    }

    [Fact]
    public void ForeignObjectPlacedAndRemoved_LeavesTheCountAlone()
    {
        (SlotPipeline pipeline, ShelfSignal signal) = Started(items: 6);

        signal.Step(45);
        signal.Hold(TimeSpan.FromSeconds(2));
        signal.Step(-45);
        signal.Hold(TimeSpan.FromSeconds(2));
        signal.Step(-Unit);
        signal.Hold(TimeSpan.FromSeconds(2));

        Assert.Equal([ShelfEventType.UnknownChange, ShelfEventType.UnknownChange, ShelfEventType.ItemsRemoved], _events.Select(e => e.Type));
        Assert.Equal(5, pipeline.Count);
    }

    [Fact]
    public void Jostle_ThatSettlesBackToTheSameLoad_EmitsNothing()
    {
        (_, ShelfSignal signal) = Started(items: 6);

        signal.Step(0);
        signal.Hold(TimeSpan.FromSeconds(2));

        Assert.Empty(_events);
    }

    [Fact]
    public void Spikes_AreRejectedAndNeverBecomeEvents()
    {
        (SlotPipeline pipeline, ShelfSignal signal) = Started(items: 6);

        for (int i = 0; i < 50; i++)
        {
            signal.Spike(i % 2 == 0 ? 400 : -250);
            signal.Hold(TimeSpan.FromSeconds(0.7));
        }

        Assert.Empty(_events);
        Assert.Equal(50, pipeline.Outliers);
        Assert.Equal(6, pipeline.Count);
    }

    [Fact]
    public void ADayOfCreep_ProducesNoPhantomPick_AndIsMeasured()
    {
        (SlotPipeline pipeline, ShelfSignal signal) = Started(items: 8);
        signal.CreepPerHour = -6; // a day of this is more than one 120 g item

        signal.Hold(TimeSpan.FromHours(24));

        Assert.Empty(_events);
        Assert.Equal(8, pipeline.Count);
        Assert.InRange(pipeline.DriftGrams, -150, -138);
        Assert.InRange(pipeline.CreepGramsPerHour(signal.Time), -6.3, -5.7);

        // After a day of drift a real pick is still counted right.
        signal.Step(-Unit);
        signal.Hold(TimeSpan.FromSeconds(2));
        ShelfEvent e = Assert.Single(_events);
        Assert.Equal((8, 7), (e.CountBefore, e.CountAfter));
    }

    [Fact]
    public void CrossingTheLowStockThreshold_EmitsLowStockOnce()
    {
        (_, ShelfSignal signal) = Started(items: 5, lowStock: 3);

        signal.Step(-2 * Unit);
        signal.Hold(TimeSpan.FromSeconds(2));
        signal.Step(-Unit);
        signal.Hold(TimeSpan.FromSeconds(2));

        Assert.Equal([ShelfEventType.ItemsRemoved, ShelfEventType.LowStock, ShelfEventType.ItemsRemoved], _events.Select(e => e.Type));
        Assert.Equal(3, _events[1].CountAfter);
    }

    [Fact]
    public void TakingTheLastItems_EmitsOutOfStock()
    {
        (SlotPipeline pipeline, ShelfSignal signal) = Started(items: 2);

        signal.Step(-2 * Unit);
        signal.Hold(TimeSpan.FromSeconds(2));

        Assert.Equal([ShelfEventType.ItemsRemoved, ShelfEventType.OutOfStock], _events.Select(e => e.Type));
        Assert.Equal(SlotStatus.Out, pipeline.Status);
    }

    [Fact]
    public void RemovingMoreThanCounted_ClampsAtZeroWithHalvedConfidenceAndSaysWhy()
    {
        SlotPipeline pipeline = NewPipeline();
        pipeline.Restore(count: 1, levelGrams: 3 * Unit);
        var signal = new ShelfSignal(pipeline, Tray + (3 * Unit));
        signal.Hold(TimeSpan.FromSeconds(2));

        signal.Step(-3 * Unit);
        signal.Hold(TimeSpan.FromSeconds(2));

        ShelfEvent e = _events[0];
        Assert.Equal(ShelfEventType.ItemsRemoved, e.Type);
        Assert.Equal(0, e.CountAfter);
        Assert.InRange(e.Confidence, 0.3, 0.5);
        Assert.Contains("only 1 were counted", e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Restore_ThenTheShelfChangedWhileOff_ReportsTheChangeOnTheFirstStillWindow()
    {
        SlotPipeline pipeline = NewPipeline();
        pipeline.Restore(count: 7, levelGrams: 7 * Unit);
        var signal = new ShelfSignal(pipeline, Tray + (4 * Unit));

        signal.Hold(TimeSpan.FromSeconds(2));

        ShelfEvent e = Assert.Single(_events);
        Assert.Equal(ShelfEventType.ItemsRemoved, e.Type);
        Assert.Equal((7, 4), (e.CountBefore, e.CountAfter));
    }

    [Fact]
    public void Restore_UnchangedShelf_KeepsTheCountSilently()
    {
        SlotPipeline pipeline = NewPipeline();
        pipeline.Restore(count: 7, levelGrams: 7 * Unit);
        var signal = new ShelfSignal(pipeline, Tray + (7 * Unit));

        signal.Hold(TimeSpan.FromSeconds(2));

        Assert.Empty(_events);
        Assert.Equal(7, pipeline.Count);
    }

    [Fact]
    public void RejectedReadings_FaultTheSlot_AndRecoveryReportsWhatChangedMeanwhile()
    {
        (SlotPipeline pipeline, ShelfSignal signal) = Started(items: 6);
        for (int i = 0; i < 20; i++)
        {
            pipeline.OnRejected("timing violation", chipMissing: false, signal.Time);
        }

        Assert.Equal(SlotStatus.Faulted, pipeline.Status);
        signal.Grams -= Unit; // taken while the sensor was out

        signal.Hold(TimeSpan.FromSeconds(3));

        Assert.Equal([ShelfEventType.SensorFault, ShelfEventType.SensorRecovered, ShelfEventType.ItemsRemoved], _events.Select(e => e.Type));
        Assert.Equal("timing violation", _events[0].Detail);
        Assert.Equal(5, pipeline.Count);
        Assert.Equal(SlotStatus.Ok, pipeline.Status);
    }

    [Fact]
    public void AFewRejectedReadings_DoNotFault_ButAMissingChipFaultsAtOnce()
    {
        (SlotPipeline pipeline, ShelfSignal signal) = Started(items: 6);

        for (int i = 0; i < 19; i++)
        {
            pipeline.OnRejected("garbled", chipMissing: false, signal.Time);
        }

        signal.Hold(TimeSpan.FromSeconds(1));
        Assert.Empty(_events);

        pipeline.OnRejected("not responding", chipMissing: true, signal.Time);
        Assert.Equal(ShelfEventType.SensorFault, Assert.Single(_events).Type);
    }

    [Fact]
    public void Tare_IsIdempotent()
    {
        (SlotPipeline pipeline, ShelfSignal signal) = Started(items: 0);

        double? first = pipeline.Tare();
        signal.Hold(TimeSpan.FromSeconds(2));
        double? second = pipeline.Tare();
        signal.Hold(TimeSpan.FromSeconds(2));

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.InRange(first.Value, Tray - 1, Tray + 1);
        Assert.InRange(second.Value - first.Value, -0.5, 0.5);
        Assert.Equal(0, pipeline.Count);

        signal.Step(2 * Unit);
        signal.Hold(TimeSpan.FromSeconds(2));
        Assert.Equal(2, pipeline.Count);
    }

    [Fact]
    public void Tare_WhileTheShelfMoves_IsRefused()
    {
        (SlotPipeline pipeline, ShelfSignal signal) = Started(items: 3);
        signal.Step(Unit);

        Assert.Null(pipeline.Tare());
    }

    [Fact]
    public void Calibration_TwoPoints_MapsRawToGramsLinearly()
    {
        var cal = new Calibration(RawZero: -1000, GramsZero: 0, RawSpan: 9000, GramsSpan: 500);

        Assert.Equal(0.05, cal.GramsPerCount, 12);
        Assert.Equal(250, cal.ToGrams(4000), 9);
        Assert.Equal(4000, cal.ToRaw(250), 9);
        Assert.Null(cal.Problem());
        Assert.NotNull(new Calibration(5, 0, 5, 100).Problem());
        Assert.NotNull(new Calibration(5, 100, 50, 100).Problem());
    }
}
