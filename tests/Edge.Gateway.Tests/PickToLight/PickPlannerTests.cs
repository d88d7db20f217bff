using System.Drawing;
using Edge.Gateway.Hosting;
using Edge.Gateway.PickToLight;
using Edge.Gateway.Shelves;
using Edge.Gateway.StoreData;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Gateway.Tests.PickToLight;

/// <summary>The pick-to-light decisions on a controlled clock: what lights, what a removal confirms, what flashes.</summary>
public sealed class PickPlannerTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 5, 1, 10, 0, 0, TimeSpan.Zero));

    // Two shelves of tea (D-01 at LEDs 0-7, D-02 at 8-15) and one of water (W-01 at 16-23), on a 24-LED strip.
    private static readonly ShelfRange[] Shelves = [new("D-01", "TEA", 0, 8), new("D-02", "TEA", 8, 8), new("W-01", "WATER", 16, 8)];

    private PickPlanner Planner(IEnumerable<PickedLine>? picked = null) => new(Shelves, 24, Window, _time, picked);

    private ReservationLine Line(string order, string sku, int quantity, ReservationStatus status = ReservationStatus.Reserved) =>
        new(order, sku, quantity, status, _time.GetUtcNow().AddHours(1));

    private ShelfEvent Removed(string shelf, string sku, int items, int before = 10) => new()
    {
        Type = ShelfEventType.ItemsRemoved, ShelfId = shelf, Sku = sku, CountBefore = before, CountAfter = before - items, Timestamp = _time.GetUtcNow(),
    };

    private static int[] Argb(Color[] pixels, int first, int count) => [.. pixels.Skip(first).Take(count).Select(c => c.ToArgb())];

    private static int[] All(Color c, int count) => [.. Enumerable.Repeat(c.ToArgb(), count)];

    [Fact]
    public void AReservation_LightsTheShelfThatHoldsItsSku_InTheOrdersColour_AndNothingElse()
    {
        PickPlanner planner = Planner();

        planner.Reconcile([Line("A-1", "WATER", 2)]);

        Color[] pixels = planner.Render();
        Assert.Equal(All(PickPlanner.Palette[0], 8), Argb(pixels, 16, 8));
        Assert.Equal(All(Color.Black, 16), Argb(pixels, 0, 16));
        LitLine lit = Assert.Single(planner.Lit);
        Assert.Equal(("A-1", "W-01"), (lit.OrderId, lit.ShelfId));
    }

    [Fact]
    public void OfTwoShelvesOfTheSku_TheOneWithTheItemsIsLit()
    {
        PickPlanner planner = Planner();

        planner.Reconcile([Line("A-1", "TEA", 3)], shelf => shelf == "D-01" ? 1 : 6);

        Assert.Equal("D-02", Assert.Single(planner.Lit).ShelfId);
    }

    [Fact]
    public void TheRightQuantityOnTheLitShelf_PicksTheLine_TurnsTheLightOff_AndKeepsItPicked()
    {
        PickPlanner planner = Planner();
        planner.Reconcile([Line("A-1", "WATER", 2)]);

        RemovalResult result = planner.OnRemoved(Removed("W-01", "WATER", 2));

        Assert.Equal(RemovalOutcome.Picked, result.Outcome);
        Assert.Equal(new PickedLine("A-1", "WATER", 2, "W-01", _time.GetUtcNow()), result.Picked);
        Assert.Empty(planner.Lit);
        Assert.Equal(All(Color.Black, 24), Argb(planner.Render(), 0, 24));
        // The cloud has not echoed "picked" yet: the line is still reserved there, and must not light again.
        planner.Reconcile([Line("A-1", "WATER", 2)]);
        Assert.Empty(planner.Lit);
        Assert.Single(planner.Picked);
    }

    [Fact]
    public void TheWrongQuantity_FlashesTheShelf_MarksNothing_AndTheLightComesBack()
    {
        PickPlanner planner = Planner();
        planner.Reconcile([Line("A-1", "WATER", 2)]);

        RemovalResult result = planner.OnRemoved(Removed("W-01", "WATER", 3));

        Assert.Equal(RemovalOutcome.WrongQuantity, result.Outcome);
        Assert.Null(result.Picked);
        Assert.Equal(All(PickPlanner.FlashColor, 8), Argb(planner.Render(), 16, 8));
        _time.Advance(PickPlanner.FlashPhase);
        Assert.Equal(All(Color.Black, 8), Argb(planner.Render(), 16, 8));
        Assert.Equal(["W-01"], planner.Flashing());
        _time.Advance(PickPlanner.FlashFor);
        Assert.Equal(All(PickPlanner.Palette[0], 8), Argb(planner.Render(), 16, 8));
        Assert.Empty(planner.Flashing());
        Assert.Empty(planner.Picked);
        Assert.Single(planner.Lit);
    }

    [Fact]
    public void TheSkuTakenFromAShelfThatIsNotLit_FlashesThatShelf_AndTheLitOneStaysLit()
    {
        PickPlanner planner = Planner();
        planner.Reconcile([Line("A-1", "TEA", 1)], shelf => shelf == "D-01" ? 5 : 2);

        RemovalResult result = planner.OnRemoved(Removed("D-02", "TEA", 1));

        Assert.Equal(RemovalOutcome.WrongShelf, result.Outcome);
        Color[] pixels = planner.Render();
        Assert.Equal(All(PickPlanner.FlashColor, 8), Argb(pixels, 8, 8));
        Assert.Equal(All(PickPlanner.Palette[0], 8), Argb(pixels, 0, 8));
        Assert.Empty(planner.Picked);
    }

    [Fact]
    public void AShopperOnAShelfOfAnotherProduct_ChangesNothing()
    {
        PickPlanner planner = Planner();
        planner.Reconcile([Line("A-1", "WATER", 2)]);

        Assert.Equal(RemovalOutcome.Ignored, planner.OnRemoved(Removed("D-01", "TEA", 1)).Outcome);
        Assert.Empty(planner.Flashing());
        Assert.Single(planner.Lit);
    }

    [Fact]
    public void TwoRemovalsWithinTheWindow_ThatAddUpToTheQuantity_Confirm()
    {
        PickPlanner planner = Planner();
        planner.Reconcile([Line("A-1", "WATER", 2)]);

        Assert.Equal(RemovalOutcome.Pending, planner.OnRemoved(Removed("W-01", "WATER", 1)).Outcome);
        Assert.Single(planner.Lit); // one of two taken: still lit, no flash
        Assert.Empty(planner.Flashing());
        _time.Advance(Window - TimeSpan.FromSeconds(1));

        Assert.Equal(RemovalOutcome.Picked, planner.OnRemoved(Removed("W-01", "WATER", 1, before: 9)).Outcome);
        Assert.Empty(planner.Lit);
    }

    [Fact]
    public void TwoRemovalsFurtherApartThanTheWindow_DoNotConfirm()
    {
        PickPlanner planner = Planner();
        planner.Reconcile([Line("A-1", "WATER", 2)]);

        planner.OnRemoved(Removed("W-01", "WATER", 1));
        _time.Advance(Window + TimeSpan.FromSeconds(1));

        Assert.Equal(RemovalOutcome.Pending, planner.OnRemoved(Removed("W-01", "WATER", 1, before: 9)).Outcome);
        Assert.Single(planner.Lit);
        Assert.Empty(planner.Picked);
    }

    [Fact]
    public void AShoppersEarlierItem_DoesNotSpoilTheStaffsRightPick()
    {
        PickPlanner planner = Planner();
        planner.Reconcile([Line("A-1", "WATER", 2)]);

        planner.OnRemoved(Removed("W-01", "WATER", 1));
        _time.Advance(TimeSpan.FromSeconds(5));

        // 1 then 2 within the window: the latest run that equals the quantity confirms.
        Assert.Equal(RemovalOutcome.Picked, planner.OnRemoved(Removed("W-01", "WATER", 2, before: 9)).Outcome);
    }

    [Fact]
    public void SeveralOrdersAtOnce_GetDistinctColours_AndOneOrdersLinesShareOne()
    {
        PickPlanner planner = Planner();

        planner.Reconcile([Line("A-1", "WATER", 1), Line("B-2", "TEA", 1), Line("A-1", "TEA", 1)], _ => 5);

        Assert.Equal(3, planner.Lit.Count);
        Color a = planner.Lit.Where(l => l.OrderId == "A-1").Select(l => l.Color).Distinct().Single();
        Color b = planner.Lit.Single(l => l.OrderId == "B-2").Color;
        Assert.NotEqual(a.ToArgb(), b.ToArgb());
        Assert.DoesNotContain(PickPlanner.FlashColor.ToArgb(), PickPlanner.Palette.Select(c => c.ToArgb()));
        Assert.Equal(PickPlanner.Palette.Count, PickPlanner.Palette.Select(c => c.ToArgb()).Distinct().Count());
    }

    [Fact]
    public void AColourIsFreeAgain_OnceItsOrderIsPicked()
    {
        PickPlanner planner = Planner();
        planner.Reconcile([Line("A-1", "WATER", 1)]);
        planner.OnRemoved(Removed("W-01", "WATER", 1));

        planner.Reconcile([Line("A-1", "WATER", 1), Line("C-3", "WATER", 1)]);

        Assert.Equal(PickPlanner.Palette[0].ToArgb(), Assert.Single(planner.Lit).Color.ToArgb());
    }

    [Fact]
    public void OneShelfForTwoOrders_IsSplitInTwo_OldestFirst_AndTheRightQuantityPicksTheRightOne()
    {
        PickPlanner planner = Planner();
        planner.Reconcile([Line("A-1", "WATER", 1)]);
        _time.Advance(TimeSpan.FromSeconds(1));
        planner.Reconcile([Line("A-1", "WATER", 1), Line("B-2", "WATER", 2)]);

        Color[] pixels = planner.Render();
        Assert.Equal(All(PickPlanner.Palette[0], 4), Argb(pixels, 16, 4));
        Assert.Equal(All(PickPlanner.Palette[1], 4), Argb(pixels, 20, 4));

        RemovalResult result = planner.OnRemoved(Removed("W-01", "WATER", 2));
        Assert.Equal("B-2", result.Picked?.OrderId);
        Assert.Equal(All(PickPlanner.Palette[0], 8), Argb(planner.Render(), 16, 8));
    }

    [Theory]
    [InlineData(ReservationStatus.Cancelled)]
    [InlineData(ReservationStatus.Collected)]
    [InlineData(ReservationStatus.Picked)]
    public void ALineThatNoLongerHolds_TurnsOff(ReservationStatus status)
    {
        PickPlanner planner = Planner();
        planner.Reconcile([Line("A-1", "WATER", 2)]);

        planner.Reconcile([Line("A-1", "WATER", 2, status)]);

        Assert.Empty(planner.Lit);
        Assert.Equal(All(Color.Black, 24), Argb(planner.Render(), 0, 24));
    }

    [Fact]
    public void ALinePastItsPickupTime_TurnsOff()
    {
        PickPlanner planner = Planner();
        ReservationLine line = Line("A-1", "WATER", 2);
        planner.Reconcile([line]);

        _time.Advance(TimeSpan.FromHours(1));
        planner.Reconcile([line]);

        Assert.Empty(planner.Lit);
    }

    [Fact]
    public void AfterARestart_APickedLineStaysPicked_UntilTheCloudSaysItIsNoLongerReserved()
    {
        var picked = new PickedLine("A-1", "WATER", 2, "W-01", _time.GetUtcNow());
        PickPlanner restarted = Planner([picked]);

        Assert.Empty(restarted.Reconcile([Line("A-1", "WATER", 2)]));
        Assert.Empty(restarted.Lit);

        IReadOnlyList<PickedLine> forgotten = restarted.Reconcile([Line("A-1", "WATER", 2, ReservationStatus.Picked)]);
        Assert.Equal([picked], forgotten);
        Assert.Empty(restarted.Picked);
    }

    [Fact]
    public void ALineForASkuOnNoLitShelf_LightsNothing_AndOtherEventsAreIgnored()
    {
        PickPlanner planner = Planner();
        planner.Reconcile([Line("A-1", "COFFEE", 1), Line("B-2", "WATER", 1)]);

        Assert.Equal("B-2", Assert.Single(planner.Lit).OrderId);
        Assert.Equal(RemovalOutcome.Ignored, planner.OnRemoved(Removed("W-01", "WATER", 1) with { Type = ShelfEventType.ItemsAdded }).Outcome);
        Assert.Equal(RemovalOutcome.Ignored, planner.OnRemoved(Removed("X-99", "WATER", 1)).Outcome);
        Assert.Single(planner.Lit);
    }

    [Fact]
    public void AWallClockSteppedBackDuringAFlash_DoesNotMakeItLonger()
    {
        var clock = new JumpingClock(_time.GetUtcNow());
        var planner = new PickPlanner(Shelves, 24, Window, clock, null);
        planner.Reconcile([Line("A-1", "WATER", 2)]);
        Assert.Equal(RemovalOutcome.WrongQuantity, planner.OnRemoved(Removed("W-01", "WATER", 3)).Outcome);

        clock.Jump(TimeSpan.FromHours(-1)); // NTP stepped the clock back
        clock.Advance(PickPlanner.FlashFor);

        Assert.Empty(planner.Flashing());
        Assert.Equal(All(PickPlanner.Palette[0], 8), Argb(planner.Render(), 16, 8));
    }

    [Fact]
    public void APickAFullCardRefuses_StillCounts_AndIsStoredOnceTheCardTakesWritesAgain()
    {
        using var disk = new Edge.Gateway.Tests.FaultInjection.SmallDisk(2);
        var line = new PickedLine("A-1", "WATER", 2, "W-01", _time.GetUtcNow());
        using (GatewayDatabase db = GatewayDatabase.Open(disk.Path))
        {
            var picked = new PickedLines(db);
            string filler = disk.Fill();

            Assert.ThrowsAny<Exception>(() => picked.Add(line));
            Assert.True(picked.Contains("A-1", "WATER")); // availability and the light go by it at once
            Assert.Equal(1, picked.Unsaved);
            Assert.ThrowsAny<Exception>(picked.SaveUnsaved);

            File.Delete(filler);
            picked.SaveUnsaved();
            Assert.Equal(0, picked.Unsaved);
        }

        using GatewayDatabase reopened = GatewayDatabase.Open(disk.Path);
        Assert.Equal([line], new PickedLines(reopened).All);
    }


    [Fact]
    public void PickedLines_SurviveReopeningTheDatabase_AndAvailabilityStopsCountingThemAsReservedAtOnce()
    {
        string dir = Directory.CreateTempSubdirectory("edge-picked-").FullName;
        try
        {
            var line = new PickedLine("A-1", "WATER", 2, "W-01", _time.GetUtcNow());
            using (GatewayDatabase db = GatewayDatabase.Open(dir))
            {
                var repository = new StoreDataRepository(db);
                string snapshot = $$"""{"version":1,"items":[{"orderId":"A-1","sku":"WATER","quantity":2,"status":"reserved","pickupBy":"{{_time.GetUtcNow().AddHours(1):O}}"}]}""";
                var view = new StoreDataView(repository);
                view.Apply(repository.Apply(StoreDataKinds.Reservations, System.Text.Encoding.UTF8.GetBytes(snapshot), _time.GetUtcNow()), _time.GetUtcNow());
                var layout = new ShelfLayout([new ShelfOptions { Id = "W-01", Sku = "WATER", Name = "Water", Zone = "z" }], Simulated: true);
                var board = new StockBoard();
                board.Publish(new StockRow("W-01", true, 8, 0, 0, SlotStatus.Ok, _time.GetUtcNow()));
                var picked = new PickedLines(db);
                var availability = new Edge.Gateway.Omnichannel.AvailabilityCalculator(layout, board, view, _time,
                    Microsoft.Extensions.Options.Options.Create(new Edge.Gateway.Omnichannel.OmnichannelOptions()), picked);
                Assert.Equal(2, availability.Of("WATER", _time.GetUtcNow()).Reserved);

                picked.Add(line);

                Assert.Equal(0, availability.Of("WATER", _time.GetUtcNow()).Reserved);
                Assert.Equal(8, availability.Of("WATER", _time.GetUtcNow()).InStore);
            }

            using (GatewayDatabase db = GatewayDatabase.Open(dir))
            {
                var reopened = new PickedLines(db);
                Assert.Equal([line], reopened.All);
                Assert.True(reopened.Contains("A-1", "WATER"));
                reopened.Remove(line);
            }

            using GatewayDatabase again = GatewayDatabase.Open(dir);
            Assert.Empty(new PickedLines(again).All);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
