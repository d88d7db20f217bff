using Edge.Gateway.Events;
using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;

namespace Edge.Gateway.Tests.Events;

/// <summary>The backbone's promises: publishing never waits, a stuck subscriber stalls nobody, a slow screen resyncs.</summary>
public sealed class EventBusTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-bus-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ShelfEvent Removed(int before) => new()
    {
        Type = ShelfEventType.ItemsRemoved,
        ShelfId = "A",
        Sku = "sku-A",
        CountBefore = before,
        CountAfter = before - 1,
        Confidence = 1,
        Timestamp = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public async Task ASubscriberThatNeverReads_DelaysNeitherTheJournalsCommits_NorAnotherSubscriber()
    {
        using GatewayDatabase db = GatewayDatabase.Open(_dir);
        var bus = new EventBus();
        var journal = new StockJournal(new ShelfRepository(db), new StockBoard(), bus: bus);
        using Subscription<ShelfEventsJournaled> stuck = bus.Subscribe<ShelfEventsJournaled>("a screen that hangs", 8, FullPolicy.DropOldestAndResync);
        using Subscription<ShelfEventsJournaled> bridge = bus.Subscribe<ShelfEventsJournaled>("the cloud bridge", 1, FullPolicy.Signal);
        using Subscription<ShelfEventsJournaled> reader = bus.Subscribe<ShelfEventsJournaled>("a screen that reads", 1000, FullPolicy.DropOldestAndResync);
        var received = new List<long>();
        Task reading = Task.Run(async () =>
        {
            while (received.Count < 200)
            {
                Delivery<ShelfEventsJournaled> d = await reader.ReadAsync(CancellationToken.None);
                received.AddRange(d.Event!.Events.Select(e => e.Seq));
            }
        });

        // Every commit returns at once although one subscriber never reads: the journal's thread is never held.
        for (int i = 0; i < 200; i++)
        {
            journal.Post(Removed(1000 - i));
            Assert.Equal(1, journal.DrainOnce());
        }

        await reading.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(200, journal.EventsCommitted);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), received);
        Assert.Equal(8, stuck.Waiting);
        Assert.Equal(192, stuck.Dropped);
        Assert.Equal(1, bridge.Waiting); // 200 commits, one wake-up: the bridge reads the journal itself
        Assert.Equal(0, bridge.Dropped);
    }

    [Fact]
    public async Task AScreenThatFallsBehind_IsToldToResync_ThenGetsTheNewestEvents()
    {
        var bus = new EventBus();
        using Subscription<int> screen = bus.Subscribe<int>("screen", 3, FullPolicy.DropOldestAndResync);

        for (int i = 1; i <= 5; i++)
        {
            bus.Publish(i);
        }

        Delivery<int> first = await screen.ReadAsync(CancellationToken.None);
        var rest = new List<int>();
        while (screen.TryRead(out Delivery<int> d))
        {
            Assert.False(d.Resync);
            rest.Add(d.Event);
        }

        Assert.True(first.Resync);
        Assert.Equal([3, 4, 5], rest);
        Assert.Equal(2, screen.Dropped);
        Assert.Contains(bus.Subscribers(), s => s.Name == "screen" && s.Dropped == 2);
    }

    [Fact]
    public void EventsReachOnlySubscribersOfTheirType_AndAnUnsubscribedOneNoLonger()
    {
        var bus = new EventBus();
        Subscription<string> words = bus.Subscribe<string>("words", 10, FullPolicy.DropOldestAndResync);
        using Subscription<int> numbers = bus.Subscribe<int>("numbers", 10, FullPolicy.DropOldestAndResync);

        bus.Publish("a");
        bus.Publish(1);
        words.Dispose();
        bus.Publish("b");

        Assert.Equal(1, words.Waiting);
        Assert.Equal(1, numbers.Waiting);
        Assert.DoesNotContain(bus.Subscribers(), s => s.Name == "words");
    }
}
