using System.Text;
using Edge.Cloud.Outbox;
using LiteDB;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Cloud.Tests.Outbox;

/// <summary>Messages stored in segment collections, dropped whole once done, and files written before segments.</summary>
public sealed class OutboxSegmentTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-outbox-seg-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero));
    private LiteDatabase? _db;

    public void Dispose()
    {
        _db?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private DurableOutbox Open()
    {
        _db?.Dispose();
        _db = LiteFile.Open(Path.Combine(_dir, "outbox.db"));
        return new DurableOutbox(_db, new OutboxOptions { Classes = TestClasses.All, CommitInterval = TimeSpan.Zero }, _time);
    }

    private static OutboxEntry Entry(int i) => new("shelf", "t", TestClasses.Stock, Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"), MessageId: "m" + i);

    private static async Task EnqueueAsync(DurableOutbox outbox, int from, int count)
    {
        var tasks = Enumerable.Range(from, count).Select(i => outbox.EnqueueAsync(Entry(i))).ToList();
        while (outbox.CommitOnce() > 0)
        {
            // A commit takes at most MaxBatch messages.
        }

        await Task.WhenAll(tasks);
    }

    private Dictionary<string, int> MessageCollections() =>
        _db!.GetCollectionNames().Where(n => n == "outbox" || n.StartsWith("outbox_seg", StringComparison.Ordinal)).ToDictionary(n => n, n => _db.GetCollection(n).Count());

    [Fact]
    public async Task ABacklogOverThreeSegments_IsSentInOrder_AndLeavesNoMessageOnDisk()
    {
        int count = (2 * DurableOutbox.SegmentSize) + 100;
        using (DurableOutbox outbox = Open())
        {
            await EnqueueAsync(outbox, 1, count);
            Assert.Equal(3, MessageCollections().Count);

            var seqs = new List<long>();
            while (outbox.TryTake(out OutboxMessage? m))
            {
                seqs.Add(m.Seq);
                outbox.Ack(m);
                if (m.Seq == DurableOutbox.SegmentSize + 10)
                {
                    // A checkpoint mid-drain drops the first segment, which is complete and done, and no other.
                    outbox.CommitOnce();
                    Assert.Equal(2, MessageCollections().Count);
                    // Offsets 1-4095 were segment 0; the acknowledged part of segment 1 stays until it is complete and done.
                    Assert.Equal(count - (DurableOutbox.SegmentSize - 1), MessageCollections().Values.Sum());
                }
            }

            Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), seqs);
            outbox.CommitOnce();
            Assert.Equal(0, MessageCollections().Values.Sum());
        }

        // Reopened: nothing is sent again, and numbering goes on.
        using DurableOutbox reopened = Open();
        Assert.False(reopened.TryTake(out _));
        await EnqueueAsync(reopened, count + 1, 1);
        Assert.True(reopened.TryTake(out OutboxMessage? next));
        Assert.Equal(count + 1, next.Seq);
    }

    [Fact]
    public async Task AfterReopeningMidDrain_OnlyWhatFollowsTheCheckpointIsSentAgain()
    {
        int count = DurableOutbox.SegmentSize + 500;
        using (DurableOutbox outbox = Open())
        {
            await EnqueueAsync(outbox, 1, count);
            for (int i = 0; i < DurableOutbox.SegmentSize + 200 && outbox.TryTake(out OutboxMessage? m); i++)
            {
                outbox.Ack(m);
            }

            outbox.CommitOnce();
        }

        // The acknowledged part of the second segment is still on disk: the checkpoint, not deletion, keeps it from being sent.
        using DurableOutbox reopened = Open();
        var again = new List<long>();
        while (reopened.TryTake(out OutboxMessage? m))
        {
            again.Add(m.Seq);
        }

        Assert.Equal(Enumerable.Range(DurableOutbox.SegmentSize + 201, 300).Select(i => (long)i), again);
    }

    [Fact]
    public async Task AFileWrittenBeforeSegments_IsReadFirst_ThenEmptied_AndNewMessagesFollowIt()
    {
        // The layout of earlier versions: every message in "outbox", the streams and the last offset in "outbox_streams".
        using (LiteDatabase old = LiteFile.Open(Path.Combine(_dir, "outbox.db")))
        {
            ILiteCollection<BsonDocument> messages = old.GetCollection("outbox");
            for (long i = 1; i <= 5; i++)
            {
                messages.Insert(new BsonDocument
                {
                    ["_id"] = i, ["mid"] = "old" + i, ["stream"] = "shelf", ["seq"] = i, ["type"] = "t", ["cls"] = TestClasses.Stock.Priority,
                    ["ts"] = _time.GetUtcNow().UtcTicks, ["ck"] = BsonValue.Null, ["body"] = Encoding.UTF8.GetBytes("{}"),
                });
            }

            old.GetCollection("outbox_streams").Insert(new BsonDocument { ["_id"] = "shelf", ["cls"] = TestClasses.Stock.Priority, ["last"] = 5L, ["acked"] = 2L });
            old.GetCollection("outbox_streams").Insert(new BsonDocument { ["_id"] = "$offset", ["cls"] = 0, ["last"] = 5L, ["acked"] = 0L, ["epoch"] = "0123456789ab" });
        }

        using DurableOutbox outbox = Open();
        Assert.Equal("0123456789ab", outbox.Epoch);
        await EnqueueAsync(outbox, 6, 2);
        var taken = new List<(string Id, long Seq)>();
        while (outbox.TryTake(out OutboxMessage? m))
        {
            taken.Add((m.MessageId, m.Seq));
            outbox.Ack(m);
        }

        Assert.Equal([("old3", 3L), ("old4", 4L), ("old5", 5L), ("m6", 6L), ("m7", 7L)], taken);
        outbox.CommitOnce();
        Assert.False(MessageCollections().ContainsKey("outbox"));
        Assert.Equal(0, MessageCollections().Values.Sum());
    }
}
