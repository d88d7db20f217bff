using Edge.Gateway.Beacons;
using Edge.Gateway.Simulation;

namespace Edge.Gateway.Tests.Beacons;

public class BeaconReplayTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Secret = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    private static async Task<(List<BeaconEvent> Events, BeaconTracker Tracker, BeaconReplay.Summary Summary)> ReplayAsync(TimeSpan duration, int foreign = 300)
    {
        using var capture = new MemoryStream();
        new SimulatedBeaconCapture().Write(capture, Start, duration, foreign);
        capture.Position = 0;
        var events = new List<BeaconEvent>();
        var tracker = new BeaconTracker(SimulatedBeaconCapture.Options(), Secret, events.Add);
        BeaconReplay.Summary summary = await BeaconReplay.RunAsync(capture, tracker, speed: 0, TimeProvider.System, CancellationToken.None);
        return (events, tracker, summary);
    }

    [Fact]
    public async Task BusyStore_ShoppersZoneEventsAndBeaconHealthAlerts_ComeOutOfTheCapture()
    {
        (List<BeaconEvent> events, BeaconTracker tracker, BeaconReplay.Summary summary) = await ReplayAsync(TimeSpan.FromMinutes(11));

        Assert.True(summary.Reports > 50_000, $"{summary.Reports} reports");
        Assert.Equal(0, summary.Malformed);

        // Shopper 0 walks drinks (3 min) then snacks (2 min), then leaves.
        List<IGrouping<string, BeaconEvent>> shoppers = events.Where(e => e.Subject.StartsWith("s-", StringComparison.Ordinal)).GroupBy(e => e.Subject).ToList();
        Assert.Equal(SimulatedBeaconCapture.Routes.Length, shoppers.Count);
        List<string> expected0 = ["ZoneEntered:drinks", "Dwell:drinks", "ZoneExited:drinks", "ZoneEntered:snacks", "Dwell:snacks", "ZoneExited:snacks"];
        Assert.Contains(shoppers, g => g.Select(e => $"{e.Type}:{e.Zone}").SequenceEqual(expected0));
        // Everyone who entered a zone left it: after the visit the tracker forgets them.
        foreach (IGrouping<string, BeaconEvent> g in shoppers)
        {
            Assert.Equal(g.Count(e => e.Type == BeaconEventType.ZoneEntered), g.Count(e => e.Type == BeaconEventType.ZoneExited));
        }

        Assert.Empty(tracker.Occupancy());

        // Fleet health.
        Assert.Contains(events, e => e is { Type: BeaconEventType.BeaconBatteryLow, Subject: "B-2", BatteryMv: 2300 });
        Assert.Contains(events, e => e is { Type: BeaconEventType.BeaconMissing, Subject: "B-3" });
        BeaconEvent moved = Assert.Single(events, e => e.Type == BeaconEventType.BeaconMoved && e.Subject == "B-4");
        Assert.True(moved.Timestamp >= Start.AddMinutes(5), "moved only after it was moved");
        Assert.DoesNotContain(events, e => e.Subject is "B-1" && e.Type != BeaconEventType.BeaconMoved);

        // Privacy: 300 foreign devices ignored, nothing but registered beacons and shoppers tracked, no address anywhere.
        Assert.True(tracker.Ignored > 50_000);
        Assert.InRange(tracker.Tracked, 4, 4 + SimulatedBeaconCapture.Routes.Length);
        Assert.DoesNotContain(events, e => e.Subject.Contains(':', StringComparison.Ordinal));
    }

    [Fact]
    public async Task ShopperNames_AreStableWithinADay_AndDifferentTheNextDay()
    {
        var events = new List<BeaconEvent>();
        var tracker = new BeaconTracker(SimulatedBeaconCapture.Options(), Secret, events.Add);
        using var today = new MemoryStream();
        new SimulatedBeaconCapture().Write(today, Start, TimeSpan.FromMinutes(1), 0);
        today.Position = 0;
        await BeaconReplay.RunAsync(today, tracker, 0, TimeProvider.System, CancellationToken.None);
        using var tomorrow = new MemoryStream();
        new SimulatedBeaconCapture().Write(tomorrow, Start.AddDays(1), TimeSpan.FromMinutes(1), 0);
        tomorrow.Position = 0;
        await BeaconReplay.RunAsync(tomorrow, tracker, 0, TimeProvider.System, CancellationToken.None);

        var day1 = events.Where(e => e.Timestamp < Start.AddDays(1) && e.Type == BeaconEventType.ZoneEntered).Select(e => e.Subject).ToHashSet();
        var day2 = events.Where(e => e.Timestamp >= Start.AddDays(1) && e.Type == BeaconEventType.ZoneEntered).Select(e => e.Subject).ToHashSet();
        Assert.NotEmpty(day1);
        Assert.NotEmpty(day2);
        Assert.Empty(day1.Intersect(day2));
    }

    [Fact]
    public async Task ACaptureFromYesterday_ReplayedRetimed_GivesEventsOfNow()
    {
        using var capture = new MemoryStream();
        new SimulatedBeaconCapture().Write(capture, Start.AddDays(-1), TimeSpan.FromMinutes(4), foreignDevices: 10);
        capture.Position = 0;
        var events = new List<BeaconEvent>();
        var now = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Start);
        var tracker = new BeaconTracker(SimulatedBeaconCapture.Options(), Secret, events.Add);

        await BeaconReplay.RunAsync(capture, tracker, speed: 0, now, CancellationToken.None, retime: true);

        BeaconEvent first = events.First(e => e.Type == BeaconEventType.ZoneEntered);
        Assert.InRange(first.Timestamp, Start, Start.AddMinutes(1));
        Assert.All(events, e => Assert.InRange(e.Timestamp, Start, Start.AddMinutes(5)));
    }

    [Fact]
    public void InSimulation_ConfiguredBeaconSettingsWin_AndOnlyWhatIsMissingIsFilledIn()
    {
        var configured = new BeaconOptions
        {
            ShopperUuid = "0b7e5a5c-3f0d-4c8e-9d0a-5a6b7c8d9e0f",
            EnterMeters = 1.5,
            StoreBeacons = [new StoreBeaconOptions { Id = "MINE", EddystoneUid = new string('a', 32) }],
        };

        BeaconOptions used = SimulatedBeaconCapture.FillIn(configured);

        Assert.Equal("0b7e5a5c-3f0d-4c8e-9d0a-5a6b7c8d9e0f", used.ShopperUuid);
        Assert.Equal(1.5, used.EnterMeters);
        Assert.Equal("MINE", Assert.Single(used.StoreBeacons).Id);
        Assert.Equal(3, used.Receivers.Count); // not configured: the simulated store's
        Assert.NotEqual("e2c56db5-dffb-48d2-b060-d0f5a71096e0", SimulatedBeaconCapture.ShopperUuid); // AirLocate's sample UUID belongs to real beacons
    }

    [Fact]
    public void RssiFilter_KeepsSubDecibelSteps()
    {
        // AltBeacon's ARMA filter truncates to int and sticks at -51 after -50 then -60s; ours converges.
        var filter = new RssiKalman();
        DateTimeOffset t = Start;
        filter.Update(-50, t);
        for (int i = 0; i < 200; i++)
        {
            t = t.AddMilliseconds(500);
            filter.Update(-60, t);
        }

        Assert.InRange(filter.Value, -60.1, -59.5);
    }
}
