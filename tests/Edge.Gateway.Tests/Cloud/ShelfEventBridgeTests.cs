using System.Text.Json;
using Edge.Cloud.Outbox;
using Edge.Gateway.Cloud;
using Edge.Gateway.Events;
using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;

namespace Edge.Gateway.Tests.Cloud;

/// <summary>The journal-to-outbox bridge when the outbox is lost: everything not known to be acknowledged goes out again, and it says so.</summary>
public sealed class ShelfEventBridgeTests : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-bridge-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _writers = [];
    private readonly GatewayDatabase _gatewayDb;
    private readonly ShelfRepository _store;
    private readonly StockJournal _journal;
    private readonly EventBus _bus = new();

    public ShelfEventBridgeTests()
    {
        _gatewayDb = GatewayDatabase.Open(_dir);
        _store = new ShelfRepository(_gatewayDb);
        _journal = new StockJournal(_store, new StockBoard(), bus: _bus);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_writers);
        _gatewayDb.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private void Journal(int events)
    {
        for (int i = 0; i < events; i++)
        {
            _journal.Post(new ShelfEvent { Type = ShelfEventType.ItemsRemoved, ShelfId = "A", Sku = "sku", CountBefore = 50 - i, CountAfter = 49 - i, Confidence = 1, Timestamp = DateTimeOffset.UtcNow });
        }

        _journal.DrainOnce();
    }

    private (GatewayDatabase File, DurableOutbox Outbox) OpenOutbox()
    {
        GatewayDatabase file = GatewayDatabase.Open(_dir, fileName: "outbox.db");
        var outbox = new DurableOutbox(file, new OutboxOptions { Classes = CloudClasses.Default, CommitInterval = TimeSpan.Zero });
        _writers.Add(outbox.RunAsync(_stop.Token));
        return (file, outbox);
    }

    private ShelfEventBridge Bridge(DurableOutbox outbox, string? quarantined = null) => new(_store, _gatewayDb, _bus, outbox, "gw-01", quarantined);

    [Fact]
    public async Task AfterAQuietSpell_TheNextCommitWakesTheBridgeAtOnce_NotAtTheNextCheckpoint()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        (_, DurableOutbox outbox) = OpenOutbox();
        var bridge = new ShelfEventBridge(_store, _gatewayDb, _bus, outbox, "gw-01", time: time);

        // Five checkpoints' worth of nothing: each wait ends at its deadline.
        for (int i = 0; i < 5; i++)
        {
            Task idle = bridge.WaitForCommitAsync(CancellationToken.None);
            time.Advance(TimeSpan.FromSeconds(5));
            await idle.WaitAsync(TimeSpan.FromSeconds(10));
        }

        // A wait abandoned at its deadline (rather than cancelled) would still be reading and take this commit's signal.
        Task next = bridge.WaitForCommitAsync(CancellationToken.None);
        Journal(1);
        await next.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ALostOutbox_IsFoundAtStart_AndEverythingAfterTheLastAcknowledgedEventIsSentAgain()
    {
        Journal(10);
        (GatewayDatabase firstFile, DurableOutbox first) = OpenOutbox();
        ShelfEventBridge bridge = Bridge(first);
        bridge.Start();
        Assert.True(await bridge.ForwardOnceAsync());
        Assert.Equal(10, bridge.Forwarded);

        // The cloud acknowledged the first six; the checkpoint beside the journal records it.
        for (int i = 0; i < 6; i++)
        {
            Assert.True(first.TryTake(out OutboxMessage? m));
            first.Ack(m);
        }

        bridge.SaveCheckpoint(force: true);
        Assert.Equal(6, bridge.Acknowledged);
        string lostEpoch = first.Epoch;

        // The outbox file is lost (deleted with its log); a fresh one takes its place.
        await _stop.CancelAsync();
        await Task.WhenAll(_writers);
        _writers.Clear();
        firstFile.Dispose();
        File.Delete(Path.Combine(_dir, "outbox.db"));
        File.Delete(Path.Combine(_dir, "outbox-log.db"));
        using var stop = new CancellationTokenSource();
        GatewayDatabase secondFile = GatewayDatabase.Open(_dir, fileName: "outbox.db");
        var second = new DurableOutbox(secondFile, new OutboxOptions { Classes = CloudClasses.Default, CommitInterval = TimeSpan.Zero });
        Task writer = second.RunAsync(stop.Token);

        ShelfEventBridge after = Bridge(second);
        after.Start();
        Assert.True(await after.ForwardOnceAsync());

        OutboxLoss loss = Assert.IsType<OutboxLoss>(after.Loss);
        Assert.Equal((lostEpoch, second.Epoch, 6L, 10L), (loss.PreviousEpoch, loss.Epoch, loss.ResentAfterSeq, loss.ResentThroughSeq));
        Assert.Equal(4, loss.WaitingWhenLastSeen);
        var resent = new List<long>();
        while (second.TryTake(out OutboxMessage? m))
        {
            resent.Add(JsonDocument.Parse(m.Payload).RootElement.GetProperty("seq").GetInt64());
        }

        Assert.Equal([7L, 8L, 9L, 10L], resent);
        await stop.CancelAsync();
        await writer;
        secondFile.Dispose();
    }

    [Fact]
    public async Task AnIntactOutbox_IsNotALoss_AndForwardingGoesOnFromWhatItHolds()
    {
        Journal(5);
        (GatewayDatabase file, DurableOutbox outbox) = OpenOutbox();
        ShelfEventBridge bridge = Bridge(outbox);
        bridge.Start();
        await bridge.ForwardOnceAsync();
        Journal(3);

        ShelfEventBridge restarted = Bridge(outbox);
        restarted.Start();

        Assert.Null(restarted.Loss);
        Assert.Equal(5, restarted.Forwarded); // from the outbox's own record, committed with the messages
        Assert.True(await restarted.ForwardOnceAsync());
        Assert.Equal(8, restarted.Forwarded);
        Assert.Equal(8, outbox.Stats.Pending);
        file.Dispose();
    }

    [Fact]
    public void MessageIds_CarryTheJournalsEpoch_SoNoTwoEventsShareOne()
    {
        Journal(1);
        (GatewayDatabase file, DurableOutbox outbox) = OpenOutbox();
        JournalEntry entry = _store.EntriesAfter(0).Single();

        OutboxEntry message = Bridge(outbox).EntryOf(entry);

        Assert.Equal($"gw-01:shelf:{entry.Epoch}:1", message.MessageId);
        Assert.Equal(entry.Epoch, JsonDocument.Parse(message.Payload).RootElement.GetProperty("epoch").GetString());
        Assert.Equal(("journal:" + _store.JournalId, 1L), (message.Source, message.Position));
        file.Dispose();
    }
}
