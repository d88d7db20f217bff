using Edge.Cloud.Outbox;
using LiteDB;

namespace Edge.Cloud.Tests.Outbox;

/// <summary>State messages that say "the latest is all that matters" (availability per SKU): only the latest waits.</summary>
public sealed class SupersedeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-supersede-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static OutboxEntry State(string key, int n, bool supersede = true) =>
        new("availability", "Availability", TestClasses.Telemetry, System.Text.Encoding.UTF8.GetBytes($"{{\"n\":{n}}}"), CoalesceKey: key, SupersedeWaiting: supersede);

    [Fact]
    public async Task ANewerStateForTheSameKey_ReplacesTheWaitingOne_ButNeitherOneInFlightNorOneOfAnotherKey()
    {
        string path = Path.Combine(_dir, "outbox.db");
        using (var db = new LiteDatabase(path))
        using (var outbox = new DurableOutbox(db, new OutboxOptions { Classes = TestClasses.All, CommitInterval = TimeSpan.Zero }))
        {
            using var stop = new CancellationTokenSource();
            Task writer = outbox.RunAsync(stop.Token);
            await outbox.EnqueueAsync(State("a", 1));
            Assert.True(outbox.TryTake(out OutboxMessage? inFlight));
            await outbox.EnqueueAsync(State("a", 2));
            await outbox.EnqueueAsync(State("b", 1));
            await outbox.EnqueueAsync(State("a", 3));
            await outbox.EnqueueAsync(State("c", 1, supersede: false));
            await outbox.EnqueueAsync(State("c", 2, supersede: false));

            var waiting = new List<string>();
            while (outbox.TryTake(out OutboxMessage? m))
            {
                waiting.Add(System.Text.Encoding.UTF8.GetString(m.Payload));
                outbox.Ack(m);
            }

            Assert.Equal("{\"n\":1}", System.Text.Encoding.UTF8.GetString(inFlight!.Payload));
            Assert.Equal(["{\"n\":1}", "{\"n\":3}", "{\"n\":1}", "{\"n\":2}"], waiting);
            Assert.Equal(1, outbox.Stats.Coalesced);
            outbox.Ack(inFlight);
            await outbox.EnqueueAsync(State("z", 0));
            await stop.CancelAsync();
            await writer;
        }

        // The superseded message is deleted from the file too, and the stream's checkpoint moved past it.
        using var reopened = new LiteDatabase(path);
        using var again = new DurableOutbox(reopened, new OutboxOptions { Classes = TestClasses.All, CommitInterval = TimeSpan.Zero });
        Assert.Equal(1, again.Stats.Pending);
        Assert.Equal(6, again.AckedSeq("availability"));
    }
}
