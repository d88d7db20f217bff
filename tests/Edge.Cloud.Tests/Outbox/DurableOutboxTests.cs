using Edge.Cloud.Outbox;
using LiteDB;
using JsonSerializer = System.Text.Json.JsonSerializer;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Cloud.Tests.Outbox;

public sealed class DurableOutboxTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-outbox-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero));
    private LiteDatabase? _db;

    public void Dispose()
    {
        _db?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private DurableOutbox Open(OutboxOptions? options = null)
    {
        _db?.Dispose();
        _db = new LiteDatabase(Path.Combine(_dir, "outbox.db"));
        return new DurableOutbox(_db, options ?? new OutboxOptions { Classes = TestClasses.All }, _time);
    }

    // Bodies are JSON strings: "abc" is stored as the 5 bytes "abc" with quotes.
    private static OutboxEntry Entry(string stream, MessageClass cls, string body, string? coalesce = null) =>
        new(stream, "t", cls, JsonSerializer.SerializeToUtf8Bytes(body), coalesce);

    private static string Body(OutboxMessage m) => JsonSerializer.Deserialize<string>(m.Payload)!;

    private static async Task<List<OutboxReceipt>> EnqueueAll(DurableOutbox outbox, params OutboxEntry[] entries)
    {
        var tasks = entries.Select(outbox.EnqueueAsync).ToList();
        outbox.CommitOnce();
        return [.. await Task.WhenAll(tasks)];
    }

    private static List<OutboxMessage> TakeAll(DurableOutbox outbox)
    {
        var taken = new List<OutboxMessage>();
        while (outbox.TryTake(out OutboxMessage? m))
        {
            taken.Add(m);
        }

        return taken;
    }

    [Fact]
    public async Task Enqueue_CompletesOnlyOnceCommitted()
    {
        using DurableOutbox outbox = Open();

        Task<OutboxReceipt> task = outbox.EnqueueAsync(Entry("shelf", TestClasses.Stock, "{}"));

        Assert.False(task.IsCompleted);
        outbox.CommitOnce();
        OutboxReceipt receipt = await task;
        Assert.Equal(1, receipt.Seq);
        Assert.False(string.IsNullOrEmpty(receipt.MessageId));
    }

    [Fact]
    public async Task Seq_IsGapFreePerStream_AndContinuesAfterReopening()
    {
        using (DurableOutbox outbox = Open())
        {
            List<OutboxReceipt> r = await EnqueueAll(outbox,
                Entry("shelf", TestClasses.Stock, "a"), Entry("alerts", TestClasses.Alert, "b"), Entry("shelf", TestClasses.Stock, "c"));
            Assert.Equal([1L, 1L, 2L], r.Select(x => x.Seq));
        }

        using DurableOutbox reopened = Open();
        List<OutboxReceipt> next = await EnqueueAll(reopened, Entry("shelf", TestClasses.Stock, "d"), Entry("alerts", TestClasses.Alert, "e"));

        Assert.Equal([3L, 2L], next.Select(x => x.Seq));
        Assert.True(next[0].Offset > 3);
    }

    [Fact]
    public async Task Stopping_CommitsEverythingQueued_EvenMoreThanOneBatch()
    {
        using DurableOutbox outbox = Open(new OutboxOptions { Classes = TestClasses.All, MaxBatch = 10 });
        var queued = Enumerable.Range(0, 35).Select(i => outbox.EnqueueAsync(Entry("shelf", TestClasses.Stock, $"m{i}"))).ToList();

        await outbox.RunAsync(new CancellationToken(canceled: true)).WaitAsync(TimeSpan.FromSeconds(10));

        // Before, the stop committed one batch of 10 and left 25 producers waiting for ever.
        OutboxReceipt[] receipts = await Task.WhenAll(queued).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(1, 35).Select(i => (long)i), receipts.Select(r => r.Seq));
    }

    [Fact]
    public async Task ManyProducersWhileACommitIsDue_ShareOneCommit()
    {
        using DurableOutbox outbox = Open(new OutboxOptions { Classes = TestClasses.All, CommitInterval = TimeSpan.FromMilliseconds(100) });
        using var cts = new CancellationTokenSource();
        Task writer = outbox.RunAsync(cts.Token);
        await outbox.EnqueueAsync(Entry("shelf", TestClasses.Stock, "first")).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, outbox.Stats.Commits);

        var burst = Enumerable.Range(0, 500).Select(i => outbox.EnqueueAsync(Entry("shelf", TestClasses.Stock, $"m{i}"))).ToList();
        _time.Advance(TimeSpan.FromMilliseconds(100));
        OutboxReceipt[] receipts = await Task.WhenAll(burst).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, outbox.Stats.Commits);
        Assert.Equal(Enumerable.Range(2, 500).Select(i => (long)i), receipts.Select(r => r.Seq));
        await cts.CancelAsync();
        await writer;
    }

    [Fact]
    public async Task Take_SendsAlertsThenStockThenTelemetry_EachStreamInOrder()
    {
        using DurableOutbox outbox = Open();
        await EnqueueAll(outbox,
            Entry("tele", TestClasses.Telemetry, "t1"),
            Entry("shelf", TestClasses.Stock, "s1"),
            Entry("alerts", TestClasses.Alert, "a1"),
            Entry("shelf", TestClasses.Stock, "s2"),
            Entry("tele", TestClasses.Telemetry, "t2"),
            Entry("alerts", TestClasses.Alert, "a2"));

        List<OutboxMessage> taken = TakeAll(outbox);

        Assert.Equal(["a1", "a2", "s1", "s2", "t1", "t2"], taken.Select(Body));
        Assert.Equal([1L, 2L, 1L, 2L, 1L, 2L], taken.Select(m => m.Seq));
    }

    [Fact]
    public async Task Checkpoint_IsTheHighestContiguousAck_AndEverythingAfterItIsResentAfterReopening()
    {
        using (DurableOutbox outbox = Open())
        {
            await EnqueueAll(outbox, [.. Enumerable.Range(1, 4).Select(i => Entry("shelf", TestClasses.Stock, $"m{i}"))]);
            List<OutboxMessage> sent = TakeAll(outbox);
            outbox.Ack(sent[0]);
            outbox.Ack(sent[2]); // out of order: 3 acked, 2 not
            Assert.Equal(1, outbox.AckedSeq("shelf"));
            outbox.CommitOnce();
        }

        using DurableOutbox reopened = Open();
        List<OutboxMessage> again = TakeAll(reopened);

        Assert.Equal([2L, 3L, 4L], again.Select(m => m.Seq)); // 3 again: at-least-once, deduplicated downstream by messageId
        foreach (OutboxMessage m in again)
        {
            reopened.Ack(m);
        }

        Assert.Equal(4, reopened.AckedSeq("shelf"));
        reopened.CommitOnce();
        Assert.Equal(0, reopened.Stats.Pending);
        Assert.Equal(0, _db!.GetCollectionNames().Where(n => n.StartsWith("outbox", StringComparison.Ordinal) && n is not ("outbox_streams" or "outbox_dead")).Sum(n => _db.GetCollection(n).Count()));
    }

    [Fact]
    public async Task Release_PutsTheMessageBackAheadOfLaterOnes()
    {
        using DurableOutbox outbox = Open();
        await EnqueueAll(outbox, Entry("shelf", TestClasses.Stock, "1"), Entry("shelf", TestClasses.Stock, "2"));
        Assert.True(outbox.TryTake(out OutboxMessage? first));
        Assert.True(outbox.TryTake(out OutboxMessage? second));

        outbox.Release(second);
        outbox.Release(first);

        Assert.Equal([1L, 2L], TakeAll(outbox).Select(m => m.Seq));
    }

    [Fact]
    public async Task ExpiredMessages_AreDroppedCounted_AndDoNotBlockTheCheckpoint()
    {
        using DurableOutbox outbox = Open(new OutboxOptions { Classes = TestClasses.WithTelemetryTtl(TimeSpan.FromMinutes(10)) });
        await EnqueueAll(outbox, Entry("tele", TestClasses.Telemetry, "old"));
        _time.Advance(TimeSpan.FromMinutes(11));
        await EnqueueAll(outbox, Entry("tele", TestClasses.Telemetry, "new"));

        List<OutboxMessage> taken = TakeAll(outbox);

        Assert.Equal("new", Body(Assert.Single(taken)));
        Assert.Equal(1, outbox.Stats.Expired);
        outbox.Ack(taken[0]);
        Assert.Equal(2, outbox.AckedSeq("tele"));
    }

    [Fact]
    public async Task OverBudget_CoalescesFirst_ThenDropsTelemetry_ThenAlerts_AndStockLast()
    {
        string body = new('x', 98); // 100 bytes as JSON
        using DurableOutbox outbox = Open(new OutboxOptions { Classes = TestClasses.All, MaxBytes = 1000, MaxMessageBytes = 100 });
        await EnqueueAll(outbox,
            Entry("levels", TestClasses.Telemetry, body, coalesce: "sku-1"),
            Entry("levels", TestClasses.Telemetry, body, coalesce: "sku-1"),
            Entry("levels", TestClasses.Telemetry, body, coalesce: "sku-1"),
            Entry("tele", TestClasses.Telemetry, body),
            Entry("tele", TestClasses.Telemetry, body),
            Entry("alerts", TestClasses.Alert, body),
            Entry("shelf", TestClasses.Stock, body),
            Entry("shelf", TestClasses.Stock, body),
            Entry("shelf", TestClasses.Stock, body),
            Entry("shelf", TestClasses.Stock, body));
        Assert.Equal(1000, outbox.Stats.PendingBytes);

        // Four more stock events need 400 bytes: two superseded levels go, then the two plain telemetry messages.
        await EnqueueAll(outbox, [.. Enumerable.Range(0, 4).Select(_ => Entry("shelf", TestClasses.Stock, body))]);

        OutboxStats stats = outbox.Stats;
        Assert.Equal(2, stats.Coalesced);
        Assert.Equal(2, stats.DroppedOf("telemetry"));
        Assert.Equal(0, stats.DroppedOf("alert"));
        Assert.Equal(0, stats.DroppedOf("stock"));

        // Two more: the latest level and the alert go before any stock event.
        await EnqueueAll(outbox, Entry("shelf", TestClasses.Stock, body), Entry("shelf", TestClasses.Stock, body));
        Assert.Equal((3, 1, 0), (outbox.Stats.DroppedOf("telemetry"), outbox.Stats.DroppedOf("alert"), outbox.Stats.DroppedOf("stock")));

        await EnqueueAll(outbox, Entry("shelf", TestClasses.Stock, body));
        Assert.Equal(1, outbox.Stats.DroppedOf("stock"));
        List<OutboxMessage> left = TakeAll(outbox);
        Assert.All(left, m => Assert.Equal("shelf", m.Stream));
        Assert.Equal(Enumerable.Range(2, 10).Select(i => (long)i), left.Select(m => m.Seq));
    }

    [Fact]
    public async Task OverTheMessageCount_TheSamePolicyApplies_TelemetryBeforeStock()
    {
        using DurableOutbox outbox = Open(new OutboxOptions { Classes = TestClasses.All, MaxMessages = 5 });
        await EnqueueAll(outbox, [.. Enumerable.Range(0, 3).Select(i => Entry("tele", TestClasses.Telemetry, $"t{i}")), .. Enumerable.Range(0, 2).Select(i => Entry("shelf", TestClasses.Stock, $"s{i}"))]);

        await EnqueueAll(outbox, Entry("shelf", TestClasses.Stock, "s2"), Entry("shelf", TestClasses.Stock, "s3"));

        Assert.Equal(5, outbox.Stats.Pending);
        Assert.Equal((2L, 0L), (outbox.Stats.DroppedOf("telemetry"), outbox.Stats.DroppedOf("stock")));
        Assert.Equal(["s0", "s1", "s2", "s3", "t2"], TakeAll(outbox).Select(Body));
    }

    [Fact]
    public async Task AStreamKeepsItsClass()
    {
        using DurableOutbox outbox = Open();
        await EnqueueAll(outbox, Entry("shelf", TestClasses.Stock, "1"));

        Task<OutboxReceipt> wrong = outbox.EnqueueAsync(Entry("shelf", TestClasses.Telemetry, "2"));
        outbox.CommitOnce();

        await Assert.ThrowsAsync<ArgumentException>(() => wrong);
        Assert.Equal(2, (await EnqueueAll(outbox, Entry("shelf", TestClasses.Stock, "3")))[0].Seq);
    }

    [Fact]
    public void OversizedOrUnnamedEntries_AreRejectedAtOnce()
    {
        using DurableOutbox outbox = Open(new OutboxOptions { Classes = TestClasses.All, MaxMessageBytes = 10 });

        // Thrown synchronously, before anything is queued: the producer learns at once.
        Assert.Throws<ArgumentException>(() => { _ = outbox.EnqueueAsync(Entry("s", TestClasses.Stock, new string('x', 11))); });
        Assert.Throws<ArgumentException>(() => { _ = outbox.EnqueueAsync(Entry(" ", TestClasses.Stock, "1")); });
        Assert.Throws<ArgumentException>(() => { _ = outbox.EnqueueAsync(new OutboxEntry("s", "t", TestClasses.Stock, "{\"a\":"u8.ToArray())); });
        Assert.Throws<ArgumentException>(() => { _ = outbox.EnqueueAsync(new OutboxEntry("s", "t", TestClasses.Stock, "1 2"u8.ToArray())); });
        Assert.Equal(0, outbox.CommitOnce());
    }
}
