using System.Collections;
using System.Reflection;
using Edge.Cloud.Outbox;
using Edge.Gateway.Cloud;
using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;
using LiteDB;

namespace Edge.Gateway.Tests.Hosting;

/// <summary>
/// LiteDB compiles every distinct query text once and keeps it for ever. A query that embeds a changing value (a seq,
/// an offset) in its text was one compiled method per commit: an unbounded leak on a gateway that runs for months.
/// </summary>
/// <remarks>
/// The cache is one for the whole test process: a test running beside this one compiles queries of its own and
/// changes the count (seen in CI: 14 became 24), so this runs apart from the rest.
/// </remarks>
[Collection(ProcessWideStateTests.Name)]
public sealed class QueryCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-qcache-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static HashSet<string> CompiledQueries()
    {
        // If a LiteDB upgrade renames the cache, this fails loudly rather than passing for nothing.
        FieldInfo? cache = typeof(BsonExpression).GetField("_cacheScalar", BindingFlags.NonPublic | BindingFlags.Static);
        Assert.NotNull(cache);
        return [.. ((IDictionary)cache.GetValue(null)!).Keys.Cast<object>().Select(k => k.ToString()!)];
    }

    [Fact]
    public async Task JournalReadsAndOutboxCheckpoints_CompileTheirQueriesOnce_HoweverManyCommitsThereAre()
    {
        using GatewayDatabase gatewayDb = GatewayDatabase.Open(_dir);
        var store = new ShelfRepository(gatewayDb);
        using GatewayDatabase outboxDb = GatewayDatabase.Open(_dir, fileName: "outbox.db", verify: GatewayDatabase.VerifyAll);
        using var outbox = new DurableOutbox(outboxDb, new OutboxSettings().ToOptions());

        async Task Round(int i)
        {
            store.Commit([new ShelfEvent { Type = ShelfEventType.ItemsRemoved, ShelfId = "A", Sku = "s", Timestamp = DateTimeOffset.UtcNow }], []);
            _ = store.EntriesAfter(i);
            Task<OutboxReceipt> queued = outbox.EnqueueAsync(new OutboxEntry("shelf", "t", CloudClasses.Stock, "{}"u8.ToArray()));
            outbox.CommitOnce();
            await queued;
            Assert.True(outbox.TryTake(out OutboxMessage? m));
            outbox.Ack(m);
            outbox.CommitOnce(); // the checkpoint deletes below the lowest pending offset
        }

        for (int i = 0; i < 20; i++)
        {
            await Round(i);
        }

        HashSet<string> warm = CompiledQueries();
        for (int i = 20; i < 220; i++)
        {
            await Round(i);
        }

        Assert.Empty(CompiledQueries().Except(warm));
    }
}

/// <summary>Tests that read process-wide state run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideStateTests
{
    public const string Name = "LiteDB query cache";
}
