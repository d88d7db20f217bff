using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Gateway.Tests.Shelves;

/// <summary>The journal when its database fails under it: nothing shown that is not on disk, nothing lost, recovery by itself.</summary>
public sealed class StockJournalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-journal-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ShelfEvent Removed(int before) => new()
    {
        Type = ShelfEventType.ItemsRemoved,
        ShelfId = "A",
        Sku = "sku-A",
        CountBefore = before,
        CountAfter = before - 1,
        Grams = -100,
        Confidence = 1,
        Timestamp = DateTimeOffset.UnixEpoch,
    };

    private static StockRow Row(int count) => new("A", true, count, count * 100.0, 300, SlotStatus.Ok, DateTimeOffset.UnixEpoch);

    private static async Task Until(Func<bool> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "timed out waiting for " + what);
            await Task.Delay(TimeSpan.FromMilliseconds(10));
        }
    }

    [Fact]
    public async Task ABrokenDatabase_IsReopened_OnATimer_AndWhatWaitedIsJournaledInANewEpoch()
    {
        using GatewayDatabase db = GatewayDatabase.Open(_dir);
        var store = new ShelfRepository(db);
        var board = new StockBoard();
        var journal = new StockJournal(store, board, _time);
        var failing = new List<string>();
        var recovered = new List<int>();
        journal.Failing += failing.Add;
        journal.Recovered += recovered.Add;
        journal.Post(Removed(9));
        journal.Post(Row(8));
        journal.DrainOnce();
        string firstEpoch = store.Epoch;

        // The engine dies under the journal, as LiteDB's does after a failed write on a full disk.
        db.Db.Dispose();
        using var stop = new CancellationTokenSource();
        Task running = journal.RunAsync(stop.Token);
        journal.Post(Removed(8));
        journal.Post(Row(7));
        await Until(() => !journal.Healthy, "the failed commit");

        Assert.Single(failing);
        Assert.Equal(8, board.Get("A")!.Count); // the board shows only what is on disk
        Assert.Equal(1, journal.Waiting);

        // No new event arrives; the retry comes from the clock. The writer sets its retry timer just after it turns
        // unhealthy, so the clock moves on in steps until the retry happens rather than once, perhaps too early.
        await Until(() =>
        {
            _time.Advance(TimeSpan.FromMilliseconds(250));
            return journal.Healthy;
        }, "the retry");

        Assert.Equal(7, board.Get("A")!.Count);
        Assert.Equal([1], recovered);
        List<JournalEntry> entries = [.. store.EntriesAfter(0)];
        Assert.Equal([1L, 2L], entries.Select(e => e.Event.Seq));
        Assert.Equal(firstEpoch, entries[0].Epoch);
        Assert.NotEqual(firstEpoch, entries[1].Epoch); // the file was reopened: a new epoch, so no id can repeat
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task WhileTheFileCannotBeWritten_EventsWaitInMemory_UpToTheCap_AndTheRowIsAlwaysTheLatest()
    {
        using GatewayDatabase db = GatewayDatabase.Open(_dir);
        var store = new ShelfRepository(db);
        var board = new StockBoard();
        var journal = new StockJournal(store, board, _time);
        db.Db.Dispose();
        File.Delete(db.Path);
        Directory.CreateDirectory(db.Path); // reopening fails for as long as this is here

        for (int i = 0; i < StockJournal.MaxBufferedEvents + 25; i++)
        {
            journal.Post(Removed(i + 1));
            journal.Post(Row(i));
        }

        journal.DrainOnce();
        journal.DrainOnce();

        Assert.False(journal.Healthy);
        Assert.Equal(StockJournal.MaxBufferedEvents, journal.Waiting);
        Assert.Equal(25, journal.Dropped);
        Assert.Null(board.Get("A"));

        Directory.Delete(db.Path);
        using var stop = new CancellationTokenSource();
        Task running = journal.RunAsync(stop.Token);
        _time.Advance(TimeSpan.FromSeconds(5));
        await Until(() => journal.Healthy, "recovery once the file can be written");

        Assert.Equal(StockJournal.MaxBufferedEvents + 24, board.Get("A")!.Count);
        Assert.Equal(StockJournal.MaxBufferedEvents, store.LastSeq);
        Assert.Equal(0, journal.Waiting);
        await stop.CancelAsync();
        await running;
    }
}
