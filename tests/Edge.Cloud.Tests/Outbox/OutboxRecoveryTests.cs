using Edge.Cloud.Outbox;
using LiteDB;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Cloud.Tests.Outbox;

/// <summary>What a producer reads back from the outbox to repair a loss, and how the outbox lives through a full disk.</summary>
public sealed class OutboxRecoveryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-outbox-rec-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero));
    private static readonly OutboxOptions Classes = new() { Classes = TestClasses.All };
    private readonly List<LiteDatabase> _open = [];

    public void Dispose()
    {
        _open.ForEach(d => d.Dispose());
        Directory.Delete(_dir, recursive: true);
    }

    private LiteDatabase Db(string name = "outbox.db")
    {
        var db = new LiteDatabase(Path.Combine(_dir, name));
        _open.Add(db);
        return db;
    }

    private static OutboxEntry FromJournal(long position) =>
        new("shelf", "ItemsRemoved", TestClasses.Stock, "{}"u8.ToArray(), MessageId: $"j:{position}", Source: "journal:a", Position: position);

    private static async Task<OutboxReceipt[]> EnqueueAll(DurableOutbox outbox, params OutboxEntry[] entries)
    {
        Task<OutboxReceipt>[] tasks = [.. entries.Select(outbox.EnqueueAsync)];
        outbox.CommitOnce();
        return await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task SourcePosition_IsCommittedWithTheMessages_AndTheAckedPositionFollowsEveryAcknowledgement()
    {
        LiteDatabase db = Db();
        using (var outbox = new DurableOutbox(db, options: Classes, time: _time))
        {
            Assert.Null(outbox.SourcePosition("journal:a"));
            await EnqueueAll(outbox, [.. Enumerable.Range(1, 5).Select(i => FromJournal(i))]);
            Assert.Equal(5, outbox.SourcePosition("journal:a"));
            Assert.Equal(0, outbox.AckedSourcePosition("journal:a"));

            var taken = new List<OutboxMessage>();
            while (outbox.TryTake(out OutboxMessage? m))
            {
                taken.Add(m);
            }

            outbox.Ack(taken[0]);
            outbox.Ack(taken[1]);
            outbox.Ack(taken[3]);
            Assert.Equal(2, outbox.AckedSourcePosition("journal:a")); // 3 is still out: 4 acked does not count yet
            outbox.Ack(taken[2]);
            Assert.Equal(4, outbox.AckedSourcePosition("journal:a"));
            outbox.CommitOnce();
        }

        using var reopened = new DurableOutbox(db, options: Classes, time: _time);
        Assert.Equal(5, reopened.SourcePosition("journal:a"));
        Assert.Equal(4, reopened.AckedSourcePosition("journal:a"));
        Assert.Equal(0, reopened.AckedSourcePosition("journal:unknown"));
    }

    [Fact]
    public async Task Epoch_StaysWithTheFile_AndANewFileGetsAnother_WhichTheEnvelopeCarries()
    {
        LiteDatabase db = Db();
        string epoch;
        using (var outbox = new DurableOutbox(db, options: Classes, time: _time))
        {
            epoch = outbox.Epoch;
            await EnqueueAll(outbox, FromJournal(1));
        }

        using var again = new DurableOutbox(db, options: Classes, time: _time);
        using var other = new DurableOutbox(Db("other.db"), options: Classes, time: _time);

        Assert.Equal(epoch, again.Epoch);
        Assert.NotEqual(epoch, other.Epoch);
        Assert.True(again.TryTake(out OutboxMessage? message));
        Assert.Contains($"\"epoch\":\"{epoch}\"", System.Text.Encoding.UTF8.GetString(Edge.Cloud.Transport.Envelope.Wrap(message)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhileTheDiskIsFull_CommitsFailAndAreCounted_AndTheOutboxRecoversWhenSpaceReturns()
    {
        var disk = new DiskThatFills(new FixedDatabaseHost(Db()));
        using var outbox = new DurableOutbox(disk, options: Classes, time: _time);
        await EnqueueAll(outbox, FromJournal(1));

        disk.Full = true;
        Task<OutboxReceipt> refused = outbox.EnqueueAsync(FromJournal(2));
        outbox.CommitOnce();
        await Assert.ThrowsAsync<IOException>(() => refused);
        Assert.False(outbox.Healthy);
        Assert.Contains("No space left", outbox.LastError, StringComparison.Ordinal);
        Assert.Equal(1, outbox.Stats.Refused);
        Assert.Equal(1, outbox.SourcePosition("journal:a")); // the refused entry moved nothing

        // Reading fails too while the disk is broken: the message is put back, not lost, and retried on the clock.
        Task<OutboxMessage> take = outbox.TakeAsync(CancellationToken.None);
        Assert.False(take.IsCompleted);
        Assert.Equal(1, outbox.Stats.Pending);

        disk.Full = false;
        _time.Advance(TimeSpan.FromSeconds(1));
        OutboxMessage first = await take.WaitAsync(TimeSpan.FromSeconds(10));
        OutboxReceipt[] accepted = await EnqueueAll(outbox, FromJournal(2));
        Assert.Equal(1, first.Seq);
        Assert.Equal(2, accepted[0].Seq); // numbering carried on where the last good commit left it
        Assert.True(outbox.Healthy);
        Assert.Equal(2, outbox.SourcePosition("journal:a"));
    }

    [Fact]
    public void TheLiteDbLogWriter_CanBeWaitedFor_SoACommitMeansWritten()
    {
        // If a LiteDB upgrade moves the writer queue, this fails instead of durability silently weakening.
        Assert.True(LiteLog.IsSupported);
        LiteDatabase db = Db();
        LiteLog.WaitWritten(db, TimeSpan.FromSeconds(5)); // before the first write: nothing to wait for

        db.GetCollection("c").Insert(new BsonDocument { ["_id"] = 1 });
        LiteLog.WaitWritten(db, TimeSpan.FromSeconds(5));

        Assert.True(new FileInfo(Path.Combine(_dir, "outbox-log.db")).Length > 0);
    }

    /// <summary>A database host whose disk can fill up: while <see cref="Full"/>, every operation fails as LiteDB's does.</summary>
    private sealed class DiskThatFills(ILiteDatabaseHost inner) : ILiteDatabaseHost
    {
        public bool Full { get; set; }

        public T Run<T>(Func<LiteDatabase, T> operation) =>
            Full ? throw new IOException("No space left on device : 'outbox-log.db'") : inner.Run(operation);
    }
}
