using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;

namespace Edge.Gateway.Tests.Shelves;

public sealed class ShelfRepositoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-store-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ShelfEvent Removed(string shelf, int before, int after) => new()
    {
        Type = ShelfEventType.ItemsRemoved,
        ShelfId = shelf,
        Sku = "sku-" + shelf,
        CountBefore = before,
        CountAfter = after,
        Grams = (after - before) * 100.0,
        Confidence = 0.97,
        Timestamp = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero),
        Detail = shelf == "B" ? "detail survives" : null,
    };

    [Fact]
    public void Commit_AssignsGapFreeSequenceNumbers_ThatContinueAfterReopening()
    {
        using (GatewayDatabase db = GatewayDatabase.Open(_dir))
        {
            var store = new ShelfRepository(db);
            IReadOnlyList<ShelfEvent> first = store.Commit([Removed("A", 5, 4), Removed("B", 3, 2)], []);
            Assert.Equal([1L, 2L], first.Select(e => e.Seq));
        }

        using (GatewayDatabase db = GatewayDatabase.Open(_dir))
        {
            var store = new ShelfRepository(db);
            Assert.Equal(2, store.LastSeq);
            IReadOnlyList<ShelfEvent> next = store.Commit([Removed("A", 4, 3)], []);
            Assert.Equal(3, Assert.Single(next).Seq);

            List<ShelfEvent> journal = store.EventsAfter(0).ToList();
            Assert.Equal([1L, 2L, 3L], journal.Select(e => e.Seq));
            Assert.Equal(Removed("B", 3, 2) with { Seq = 2 }, journal[1]);
        }
    }

    [Fact]
    public void Commit_EventsAndStockTogether_AreReadBackExactly()
    {
        using GatewayDatabase db = GatewayDatabase.Open(_dir);
        var store = new ShelfRepository(db);
        var row = new StockRow("A", true, 4, 480.25, 350.5, SlotStatus.Ok, DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000));

        store.Commit([Removed("A", 5, 4)], [row]);

        Assert.Equal(row, store.LoadStock()["A"]);
    }

    [Fact]
    public void Open_UnreadableFile_IsMovedAsideUntouched_AndAFreshDatabaseStarts()
    {
        string path = Path.Combine(_dir, GatewayDatabase.FileName);
        byte[] garbage = new byte[64 * 1024];
        new Random(3).NextBytes(garbage);
        File.WriteAllBytes(path, garbage);

        using GatewayDatabase db = GatewayDatabase.Open(_dir);

        Assert.NotNull(db.QuarantinedTo);
        string aside = Assert.Single(Directory.GetFiles(_dir, GatewayDatabase.FileName + ".corrupt-*"));
        Assert.Equal(garbage, File.ReadAllBytes(aside));
        var store = new ShelfRepository(db);
        Assert.Equal(1, Assert.Single(store.Commit([Removed("A", 2, 1)], [])).Seq);
    }

    [Fact]
    public void Open_DatabaseWithADamagedPage_IsQuarantined()
    {
        using (GatewayDatabase db = GatewayDatabase.Open(_dir))
        {
            var store = new ShelfRepository(db);
            for (int i = 0; i < 50; i++)
            {
                store.Commit([Removed("A", 100 - i, 99 - i)], [new StockRow("A", true, 99 - i, 1, 1, SlotStatus.Ok, DateTimeOffset.UnixEpoch)]);
            }
        }

        string path = Path.Combine(_dir, GatewayDatabase.FileName);
        byte[] bytes = File.ReadAllBytes(path);
        // Overwrite everything after the header page with a pattern, as a failing SD card might.
        for (int i = 8192; i < bytes.Length; i++)
        {
            bytes[i] = 0xA5;
        }

        File.WriteAllBytes(path, bytes);

        using GatewayDatabase reopened = GatewayDatabase.Open(_dir);

        Assert.NotNull(reopened.QuarantinedTo);
        Assert.Equal(0, new ShelfRepository(reopened).LastSeq);
    }

    [Fact]
    public void Calibration_IsSavedPerShelf()
    {
        using GatewayDatabase db = GatewayDatabase.Open(_dir);
        var store = new ShelfRepository(db);
        var cal = new Calibration(1000.5, 0, 108_000, 1000);

        store.SaveCalibration("A", cal);

        Assert.Equal(cal, store.LoadCalibration("A"));
        Assert.Null(store.LoadCalibration("B"));
    }

    [Fact]
    public void Journal_ShowsRowsOnTheBoardOnlyAfterTheyAreCommitted()
    {
        using GatewayDatabase db = GatewayDatabase.Open(_dir);
        var board = new StockBoard();
        var journal = new StockJournal(new ShelfRepository(db), board);
        var committed = new List<ShelfEvent>();
        journal.Committed += committed.AddRange;
        var row = new StockRow("A", true, 4, 480, 350, SlotStatus.Ok, DateTimeOffset.UnixEpoch);

        journal.Post(Removed("A", 5, 4));
        journal.Post(row with { Count = 99 });
        journal.Post(row);
        Assert.Null(board.Get("A"));

        Assert.Equal(3, journal.DrainOnce());

        Assert.Equal(row, board.Get("A"));
        Assert.Equal(1, Assert.Single(committed).Seq);
        using GatewayDatabase _ = db;
        Assert.Equal(4, new ShelfRepository(db).LoadStock()["A"].Count);
    }
}
