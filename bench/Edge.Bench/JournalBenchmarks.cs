using BenchmarkDotNet.Attributes;
using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;

namespace Edge.Bench;

/// <summary>LiteDB commit cost on this disk: one event per transaction against grouped transactions.</summary>
[MemoryDiagnoser]
public class JournalBenchmarks
{
    private const int Events = 200;
    private string _dir = "";
    private GatewayDatabase? _db;
    private ShelfRepository? _store;
    private ShelfEvent[] _events = [];

    [Params(1, 20, 200)]
    public int PerCommit { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("edge-bench-").FullName;
        _db = GatewayDatabase.Open(_dir);
        _store = new ShelfRepository(_db);
        _events = Enumerable.Range(0, Events).Select(i => new ShelfEvent
        {
            Type = ShelfEventType.ItemsRemoved,
            ShelfId = "S-" + (i % 12),
            Sku = "4901005202078",
            CountBefore = 10,
            CountAfter = 9,
            Grams = -81.2,
            Confidence = 0.97,
            Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(i),
        }).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _db?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public long JournalOneEvent()
    {
        for (int i = 0; i < Events; i += PerCommit)
        {
            _store!.Commit(new ArraySegment<ShelfEvent>(_events, i, PerCommit), []);
        }

        return _store!.LastSeq;
    }
}
