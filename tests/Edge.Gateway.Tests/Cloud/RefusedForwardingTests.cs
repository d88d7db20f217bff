using System.Text;
using System.Text.Json;
using Edge.Cloud.Outbox;
using Edge.Gateway.Cloud;
using Edge.Gateway.Events;
using Edge.Gateway.Hosting;
using Edge.Gateway.PickToLight;
using Edge.Gateway.Temperature;
using LiteDB;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Gateway.Tests.Cloud;

/// <summary>
/// A confirmed pick that the outbox refused (a full disk) reaches the cloud once the disk has room again, without a
/// restart or a resync command: the forwarder queues it again from the picked lines after its retry interval.
/// </summary>
public sealed class RefusedForwardingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-refused-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ARefusedPick_IsQueuedAgainAfterTheRetryInterval_AndAgainWhileTheDiskStaysFull()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        using GatewayDatabase database = GatewayDatabase.Open(_dir);
        var picked = new PickedLines(database);
        var line = new PickedLine("O-1001", "4901005202078", 2, "S-01", time.GetUtcNow());
        picked.Add(line);

        using var lite = new LiteDatabase(Path.Combine(_dir, "outbox.db"));
        var disk = new DiskThatFills(new FixedDatabaseHost(lite));
        using var outbox = new DurableOutbox(disk, new OutboxOptions { Classes = CloudClasses.Default }, time);
        var bus = new EventBus();
        using var forwarder = new PickToLightForwarder(bus, outbox, picked, Options.Create(new GatewayOptions()), time);
        using var cts = new CancellationTokenSource();
        Task forwarding = forwarder.RunAsync(cts.Token);

        disk.Full = true;
        bus.Publish(new ReservationPicked(line));
        await CommitUntil(outbox, () => forwarder.Refused == 1, "the pick refused");
        Assert.Equal(0, outbox.Stats.Pending);

        // Still full at the first retry: refused again, and retried again one interval later.
        time.Advance(forwarder.RetryInterval - TimeSpan.FromSeconds(1));
        Assert.Equal(0, forwarder.Retries);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, forwarder.Retries);
        await CommitUntil(outbox, () => forwarder.Refused == 2, "the retried pick refused");

        disk.Full = false;
        time.Advance(forwarder.RetryInterval);
        Assert.Equal(2, forwarder.Retries);
        await CommitUntil(outbox, () => outbox.Stats.Pending == 1, "the pick queued");
        Assert.True(outbox.TryTake(out OutboxMessage? message));
        Assert.Equal("ReservationPicked", message.Type);
        Assert.Contains("\"orderId\":\"O-1001\"", Encoding.UTF8.GetString(message.Payload), StringComparison.Ordinal);

        // Nothing refused since: no further retry.
        time.Advance(forwarder.RetryInterval * 3);
        Assert.Equal(2, forwarder.Retries);
        await cts.CancelAsync();
        await forwarding;
    }

    [Fact]
    public async Task RefusedTemperatureAlerts_AreHeldAndQueuedAgainInOrder_OnceTheDiskHasRoom_AndNeverTwice()
    {
        await using var rig = new TemperatureRig(_dir);
        (FakeTimeProvider time, DiskThatFills disk, DurableOutbox outbox, EventBus bus, TemperatureForwarder forwarder) = rig;
        (CaseAlert high, CaseAlert recovered) = Excursion(time, "dairy");

        disk.Full = true;
        bus.Publish<TemperatureEvent>(new CaseAlertRaised(high));
        bus.Publish<TemperatureEvent>(new CaseAlertRaised(recovered));
        await CommitUntil(outbox, () => forwarder.Refused == 2, "both refused");
        Assert.Equal(2, forwarder.HeldAlerts);

        // Still full at the first retry: both refused again (in one commit, back in any order), and held again.
        time.Advance(forwarder.RetryInterval);
        await CommitUntil(outbox, () => forwarder.Refused == 4, "both refused again");
        Assert.Equal(2, forwarder.HeldAlerts);

        disk.Full = false;
        time.Advance(forwarder.RetryInterval);
        await CommitUntil(outbox, () => outbox.Stats.Pending == 2, "both queued");
        Assert.Equal((0, 0L), (forwarder.HeldAlerts, forwarder.AlertsLost));
        Assert.Equal(["TemperatureHigh", "TemperatureRecovered"], TakeAll(outbox).Select(m => m.Type));

        // Queued once: a later resync (here after a refused day record) sends nothing again, and the bus, which the
        // dashboard reads, saw each alert once.
        disk.Full = true;
        bus.Publish<TemperatureEvent>(new CaseDayChanged(new CaseDay("dairy", new DateOnly(2026, 12, 2), 3, 9.5, 20, 0, 600), 5, time.GetUtcNow()));
        await CommitUntil(outbox, () => forwarder.Refused == 5, "the day record refused");
        disk.Full = false;
        time.Advance(forwarder.RetryInterval);
        Assert.Equal(3, forwarder.Retries);
        outbox.CommitOnce();
        Assert.Equal(0, outbox.Stats.Pending);
        Assert.Equal(2, Drain(rig.Dashboard).Count(e => e is CaseAlertRaised));
    }

    [Fact]
    public async Task AnAlertRaisedWhileOthersAreHeld_WaitsBehindThem_SoARecoveryNeverArrivesBeforeItsAlarm()
    {
        await using var rig = new TemperatureRig(_dir);
        (FakeTimeProvider time, DiskThatFills disk, DurableOutbox outbox, EventBus bus, TemperatureForwarder forwarder) = rig;
        (CaseAlert high, CaseAlert recovered) = Excursion(time, "dairy");

        disk.Full = true;
        bus.Publish<TemperatureEvent>(new CaseAlertRaised(high));
        await CommitUntil(outbox, () => forwarder.Refused == 1, "the alarm refused");

        // The disk has room again before the retry, and the case recovers: the recovery waits for the alarm.
        disk.Full = false;
        bus.Publish<TemperatureEvent>(new CaseAlertRaised(recovered));
        await CommitUntil(outbox, () => forwarder.HeldAlerts == 2, "the recovery held behind the alarm");
        Assert.Equal(0, outbox.Stats.Pending);

        time.Advance(forwarder.RetryInterval);
        await CommitUntil(outbox, () => outbox.Stats.Pending == 2, "both queued");
        Assert.Equal(["TemperatureHigh", "TemperatureRecovered"], TakeAll(outbox).Select(m => m.Type));

        // Nothing held: the next alert goes straight in.
        bus.Publish<TemperatureEvent>(new CaseAlertRaised(Excursion(time, "frozen").High));
        await CommitUntil(outbox, () => outbox.Stats.Pending == 1, "the next alert queued at once");
    }

    [Fact]
    public async Task HeldAlerts_AreBounded_TheEarliestRaisedGivenUpAndCounted()
    {
        await using var rig = new TemperatureRig(_dir);
        (FakeTimeProvider time, DiskThatFills disk, DurableOutbox outbox, EventBus bus, TemperatureForwarder forwarder) = rig;
        disk.Full = true;
        int raised = TemperatureForwarder.MaxHeldAlerts + 3;
        for (int i = 0; i < raised; i++)
        {
            DateTimeOffset at = time.GetUtcNow().AddMinutes(i);
            bus.Publish<TemperatureEvent>(new CaseAlertRaised(new CaseAlert(CaseAlertKind.TemperatureHigh, $"case-{i:000}", at, at, 9, 5)));
        }

        await CommitUntil(outbox, () => forwarder.Refused + forwarder.HeldAlerts >= raised && forwarder.AlertsLost == 3, "every alert refused or held");
        Assert.Equal(TemperatureForwarder.MaxHeldAlerts, forwarder.HeldAlerts);

        disk.Full = false;
        time.Advance(forwarder.RetryInterval);
        await CommitUntil(outbox, () => outbox.Stats.Pending == TemperatureForwarder.MaxHeldAlerts, "the held alerts queued");
        string[] cases = [.. TakeAll(outbox).Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("caseId").GetString()!)];
        Assert.Equal(Enumerable.Range(3, TemperatureForwarder.MaxHeldAlerts).Select(i => $"case-{i:000}"), cases);
    }

    private static (CaseAlert High, CaseAlert Recovered) Excursion(TimeProvider time, string caseId)
    {
        DateTimeOffset since = time.GetUtcNow().AddMinutes(-20);
        return (new CaseAlert(CaseAlertKind.TemperatureHigh, caseId, since, time.GetUtcNow(), 9.5, 5),
            new CaseAlert(CaseAlertKind.TemperatureRecovered, caseId, since, time.GetUtcNow().AddMinutes(1), 9.5, 5));
    }

    private static List<OutboxMessage> TakeAll(DurableOutbox outbox)
    {
        var taken = new List<OutboxMessage>();
        while (outbox.TryTake(out OutboxMessage? m))
        {
            taken.Add(m);
            outbox.Ack(m);
        }

        return taken;
    }

    private static List<TemperatureEvent> Drain(Subscription<TemperatureEvent> subscription)
    {
        var seen = new List<TemperatureEvent>();
        while (subscription.TryRead(out Delivery<TemperatureEvent> d))
        {
            if (d.Event is { } e)
            {
                seen.Add(e);
            }
        }

        return seen;
    }

    // The forwarder hands events over on its own thread: commit until what it handed over shows.
    private static async Task CommitUntil(DurableOutbox outbox, Func<bool> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "timed out waiting for " + what);
            outbox.CommitOnce();
            await Task.Delay(10);
        }
    }

    // The temperature forwarder forwarding from a bus into an outbox on a disk the test fills, on a fake clock; a second
    // subscriber reads the bus as the dashboard does.
    private sealed class TemperatureRig : IAsyncDisposable
    {
        private readonly LiteDatabase _lite;
        private readonly CancellationTokenSource _cts = new();
        private readonly Task _forwarding;

        public TemperatureRig(string dir)
        {
            _lite = new LiteDatabase(Path.Combine(dir, "outbox.db"));
            Disk = new DiskThatFills(new FixedDatabaseHost(_lite));
            Outbox = new DurableOutbox(Disk, new OutboxOptions { Classes = CloudClasses.Default }, Time);
            Dashboard = Bus.Subscribe<TemperatureEvent>("a dashboard", 1000, FullPolicy.DropOldestAndResync);
            Forwarder = new TemperatureForwarder(Bus, Outbox, temperature: null, Time);
            _forwarding = Forwarder.RunAsync(_cts.Token);
        }

        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));

        public DiskThatFills Disk { get; }

        public DurableOutbox Outbox { get; }

        public EventBus Bus { get; } = new();

        public Subscription<TemperatureEvent> Dashboard { get; }

        public TemperatureForwarder Forwarder { get; }

        public void Deconstruct(out FakeTimeProvider time, out DiskThatFills disk, out DurableOutbox outbox, out EventBus bus, out TemperatureForwarder forwarder) =>
            (time, disk, outbox, bus, forwarder) = (Time, Disk, Outbox, Bus, Forwarder);

        public async ValueTask DisposeAsync()
        {
            await _cts.CancelAsync();
            await _forwarding;
            Forwarder.Dispose();
            Dashboard.Dispose();
            Outbox.Dispose();
            _lite.Dispose();
            _cts.Dispose();
        }
    }

    private sealed class DiskThatFills(ILiteDatabaseHost inner) : ILiteDatabaseHost
    {
        public bool Full { get; set; }

        public T Run<T>(Func<LiteDatabase, T> operation) =>
            Full ? throw new IOException("No space left on device : 'outbox-log.db'") : inner.Run(operation);
    }
}
