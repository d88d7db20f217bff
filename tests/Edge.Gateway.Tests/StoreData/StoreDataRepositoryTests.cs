using System.Text;
using Edge.Gateway.Hosting;
using Edge.Gateway.StoreData;

namespace Edge.Gateway.Tests.StoreData;

public sealed class StoreDataRepositoryTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-storedata-").FullName;
    private readonly GatewayDatabase _db;
    private readonly StoreDataRepository _store;

    public StoreDataRepositoryTests()
    {
        _db = GatewayDatabase.Open(_dir);
        _store = new StoreDataRepository(_db);
    }

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    public static string Promotion(string id, int percent = 10) =>
        $"{{\"id\":\"{id}\",\"skus\":[\"a\"],\"discount\":{{\"type\":\"percent\",\"value\":{percent}}}}}";

    public static string Product(string sku, long price) =>
        $"{{\"sku\":\"{sku}\",\"name\":{{\"ja\":\"商品{sku}\",\"en\":\"Product {sku}\"}},\"price\":{price},\"currency\":\"JPY\",\"category\":\"snacks\"}}";

    private StoreDataRepository.Result Apply(string json, string kind = StoreDataKinds.Promotions) => _store.Apply(kind, Encoding.UTF8.GetBytes(json), Now);

    [Fact]
    public void NewerVersions_AreStored_OlderOrEqualOnesArrivingLateAreIgnored()
    {
        Assert.Equal(StoreDataRepository.Outcome.Stored, Apply($"{{\"version\":2,\"items\":[{Promotion("p1")}]}}").Outcome);
        Assert.Equal(StoreDataRepository.Outcome.Ignored, Apply("{\"version\":1,\"items\":[]}").Outcome);
        Assert.Equal(StoreDataRepository.Outcome.Ignored, Apply("{\"version\":2,\"items\":[]}").Outcome);

        Assert.Equal(2, _store.VersionOf(StoreDataKinds.Promotions)!.Value.Version);
        Assert.Equal(["p1"], _store.Load(StoreDataKinds.Promotions).Select(p => p.Key));
        Assert.Equal(StoreDataRepository.Outcome.Stored, Apply("{\"version\":3,\"items\":[]}").Outcome);
        Assert.Empty(_store.Load(StoreDataKinds.Promotions));
        Assert.Null(_store.VersionOf(StoreDataKinds.Catalog));
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[1,2]", "JSON object")]
    [InlineData("{\"items\":[]}", "\"version\"")]
    [InlineData("{\"version\":-1,\"items\":[]}", "\"version\"")]
    [InlineData("{\"version\":1.5,\"items\":[]}", "\"version\"")]
    [InlineData("{\"version\":9,\"items\":{}}", "\"items\"")]
    [InlineData("{\"version\":9,\"items\":[{\"id\":\"x\",\"skus\":[\"a\"],\"discount\":{\"type\":\"bogo\",\"value\":1}}]}", "items[0].discount.type")]
    [InlineData("{\"version\":9,\"items\":[{\"id\":\"x\",\"skus\":[\"a\"],\"discount\":{\"type\":\"percent\",\"value\":10},\"start\":\"2026-12-01T00:00:00\"}]}", "items[0].start")]
    [InlineData("{\"version\":9,\"items\":[{\"id\":\"x\",\"discount\":{\"type\":\"percent\",\"value\":10}}]}", "items[0]: needs a scope")]
    [InlineData("{\"version\":9,\"baseVersion\":9,\"upsert\":[]}", "\"baseVersion\"")]
    // Found by trying the gateway as a hostile user would:
    [InlineData("{\"version\":9,\"items\":[{\"id\":\"x\",\"skus\":[\"a\"],\"discount\":{\"type\":\"percent\",\"value\":10,\"type\":\"price\"}}]}", "not JSON")]
    [InlineData("{\"version\":9,\"items\":[{\"id\":\"\\ud800\",\"skus\":[\"a\"],\"discount\":{\"type\":\"percent\",\"value\":10}}]}", "not valid Unicode")]
    [InlineData("{\"version\":9,\"baseVersion\":2,\"items\":[]}", "not both")]
    [InlineData("{\"version\":9,\"upsert\":[]}", "not both")]
    [InlineData("{\"version\":3,\"baseVersion\":2,\"upsert\":[{\"id\":\"p1\",\"skus\":[\"a\"],\"discount\":{\"type\":\"percent\",\"value\":10}}],\"remove\":[\"p1\"]}", "upsert[0]: key 'p1' is also in remove")]
    [InlineData("{\"version\":3,\"baseVersion\":2,\"remove\":[\"p1\",\"p1\"]}", "remove: a key appears twice")]
    [InlineData("{\"version\":9007199254740992,\"items\":[]}", "at most 9007199254740991")]
    [InlineData("{\"version\":9,\"items\":[{\"id\":\"x\",\"skus\":[\"a\"],\"discount\":{\"type\":\"percent\",\"value\":10},\"dayparts\":[]}]}", "items[0].dayparts")]
    public void MalformedPayloads_AreRejectedWithAReason_AndChangeNothing(string json, string reason)
    {
        Apply($"{{\"version\":2,\"items\":[{Promotion("p1")}]}}");

        StoreDataRepository.Result r = Apply(json);

        Assert.Equal(StoreDataRepository.Outcome.Rejected, r.Outcome);
        Assert.Contains(reason, r.Message, StringComparison.Ordinal);
        Assert.Equal(2, _store.VersionOf(StoreDataKinds.Promotions)!.Value.Version);
        Assert.Equal(["p1"], _store.Load(StoreDataKinds.Promotions).Select(p => p.Key));
    }

    [Fact]
    public void OneBadItemAmongThousands_RejectsTheWholeSnapshot_NamingTheItemAndField()
    {
        Apply($"{{\"version\":1,\"items\":[{Product("old", 100)}]}}", StoreDataKinds.Catalog);
        string items = string.Join(",", Enumerable.Range(0, 5000).Select(i => i == 4321 ? Product("bad", -5) : Product("s" + i, 100 + i)));

        StoreDataRepository.Result r = Apply($"{{\"version\":2,\"items\":[{items}]}}", StoreDataKinds.Catalog);

        Assert.Equal(StoreDataRepository.Outcome.Rejected, r.Outcome);
        Assert.Contains("items[4321].price", r.Message, StringComparison.Ordinal);
        Assert.Equal(1, _store.VersionOf(StoreDataKinds.Catalog)!.Value.Version);
        Assert.NotNull(_store.Find(StoreDataKinds.Catalog, "old"));
        Assert.Null(_store.Find(StoreDataKinds.Catalog, "s1"));
    }

    [Fact]
    public void DeltasApplyInOrder_ARepeatIsHarmless_AndOneThatDoesNotFollowIsAGapThatChangesNothing()
    {
        Apply($"{{\"version\":1,\"items\":[{Product("a", 100)},{Product("b", 200)}]}}", StoreDataKinds.Catalog);

        StoreDataRepository.Result d2 = Apply($"{{\"version\":2,\"baseVersion\":1,\"upsert\":[{Product("a", 90)}],\"remove\":[\"b\"]}}", StoreDataKinds.Catalog);
        StoreDataRepository.Result again = Apply($"{{\"version\":2,\"baseVersion\":1,\"upsert\":[{Product("a", 90)}],\"remove\":[\"b\"]}}", StoreDataKinds.Catalog);
        StoreDataRepository.Result gap = Apply($"{{\"version\":5,\"baseVersion\":4,\"upsert\":[{Product("a", 1)}]}}", StoreDataKinds.Catalog);
        StoreDataRepository.Result late = Apply($"{{\"version\":1,\"items\":[{Product("a", 100)}]}}", StoreDataKinds.Catalog);

        Assert.Equal(StoreDataRepository.Outcome.Stored, d2.Outcome);
        Assert.Equal(StoreDataRepository.Outcome.Ignored, again.Outcome);
        Assert.Equal(StoreDataRepository.Outcome.Gap, gap.Outcome);
        Assert.Equal(2, gap.StoredVersion);
        Assert.Equal(StoreDataRepository.Outcome.Ignored, late.Outcome);
        Assert.Equal(90, ((CatalogItem)_store.Find(StoreDataKinds.Catalog, "a")!).Price);
        Assert.Null(_store.Find(StoreDataKinds.Catalog, "b"));
        Assert.Equal(2, _store.VersionOf(StoreDataKinds.Catalog)!.Value.Version);
    }

    [Fact]
    public void ADeltaBeforeAnySnapshot_IsAGap()
    {
        StoreDataRepository.Result r = Apply($"{{\"version\":2,\"baseVersion\":1,\"upsert\":[{Product("a", 90)}]}}", StoreDataKinds.Catalog);

        Assert.Equal(StoreDataRepository.Outcome.Gap, r.Outcome);
        Assert.Null(_store.VersionOf(StoreDataKinds.Catalog));
    }

    [Theory]
    [InlineData(StoreDataKinds.OnlineStock, "{\"sku\":\"a\",\"available\":3,\"asOf\":\"2026-11-22T09:00:00+09:00\"}", "a")]
    [InlineData(StoreDataKinds.Reservations, "{\"orderId\":\"o-1\",\"sku\":\"a\",\"quantity\":2,\"status\":\"reserved\",\"pickupBy\":\"2026-11-23T18:00:00+09:00\"}", "o-1:a")]
    public void EveryKindHasItsKey(string kind, string item, string key)
    {
        Assert.Equal(StoreDataRepository.Outcome.Stored, Apply($"{{\"version\":1,\"items\":[{item}]}}", kind).Outcome);
        Assert.Equal([key], _store.Load(kind).Select(i => i.Key));
    }

    [Theory]
    [InlineData(StoreDataKinds.OnlineStock, "{\"sku\":\"a\",\"available\":-1,\"asOf\":\"2026-11-22T09:00:00Z\"}", "items[0].available")]
    [InlineData(StoreDataKinds.OnlineStock, "{\"sku\":\"a\",\"available\":1,\"asOf\":\"yesterday\"}", "items[0].asOf")]
    [InlineData(StoreDataKinds.Reservations, "{\"orderId\":\"o\",\"sku\":\"a\",\"quantity\":1,\"status\":\"lost\",\"pickupBy\":\"2026-11-23T18:00:00Z\"}", "items[0].status")]
    [InlineData(StoreDataKinds.Catalog, "{\"sku\":\"a\",\"name\":{},\"price\":1,\"currency\":\"JPY\",\"category\":\"c\"}", "items[0].name")]
    [InlineData(StoreDataKinds.Catalog, "{\"sku\":\"a\",\"name\":{\"en\":\"A\"},\"price\":1,\"currency\":\"yen\",\"category\":\"c\"}", "items[0].currency")]
    [InlineData(StoreDataKinds.Catalog, "{\"sku\":\"a\",\"name\":{\"en\":\"A\"},\"price\":1,\"currency\":\"JPY\",\"category\":\"c\",\"imageUrl\":\"file:///etc/passwd\"}", "items[0].imageUrl")]
    [InlineData(StoreDataKinds.Catalog, "{\"sku\":\"a\",\"name\":{\"en\":\"\"},\"price\":1,\"currency\":\"JPY\",\"category\":\"c\"}", "items[0].name")]
    [InlineData(StoreDataKinds.Catalog, "{\"sku\":\"a\",\"name\":{\"en\":\"A\"},\"price\":1,\"currency\":\"ZZZ\",\"category\":\"c\"}", "items[0].currency")]
    [InlineData(StoreDataKinds.Catalog, "{\"sku\":\"a\",\"name\":{\"en\":\"A\"},\"price\":100,\"minPrice\":200,\"currency\":\"JPY\",\"category\":\"c\"}", "items[0].minPrice")]
    [InlineData(StoreDataKinds.Reservations, "{\"orderId\":\"C:1\",\"sku\":\"A\",\"quantity\":1,\"status\":\"reserved\",\"pickupBy\":\"2026-11-23T18:00:00Z\"}", "items[0].orderId")]
    public void BadItemsOfEveryKind_AreNamedByItemAndField(string kind, string item, string field)
    {
        StoreDataRepository.Result r = Apply($"{{\"version\":1,\"items\":[{item}]}}", kind);

        Assert.Equal(StoreDataRepository.Outcome.Rejected, r.Outcome);
        Assert.Contains(field, r.Message, StringComparison.Ordinal);
        Assert.Null(_store.VersionOf(kind));
    }

    [Fact]
    public void TheSameKeyTwiceInOnePayload_IsRejected()
    {
        StoreDataRepository.Result r = Apply($"{{\"version\":1,\"items\":[{Promotion("p1")},{Promotion("p1", 20)}]}}");

        Assert.Equal(StoreDataRepository.Outcome.Rejected, r.Outcome);
        Assert.Contains("items[1]: key 'p1' appears twice", r.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASnapshotCutShortByACrash_LeavesTheStoredVersion_AndIsDroppedAtTheNextStart()
    {
        Apply($"{{\"version\":1,\"items\":[{Product("a", 100)}]}}", StoreDataKinds.Catalog);
        // What a crash while writing version 2 leaves: its collection, half-written, and the meta still at version 1.
        _db.Run(db => db.GetCollection("sd_catalog_v2").Insert(new LiteDB.BsonDocument { ["_id"] = "half", ["j"] = Product("half", 1) }));

        var restarted = new StoreDataRepository(_db);

        Assert.Equal(1, restarted.OrphansDropped);
        Assert.DoesNotContain("sd_catalog_v2", _db.Run(db => db.GetCollectionNames().ToList()));
        Assert.Equal(1, restarted.VersionOf(StoreDataKinds.Catalog)!.Value.Version);
        Assert.Equal(["a"], restarted.Load(StoreDataKinds.Catalog).Select(i => i.Key));
        Assert.Equal(StoreDataRepository.Outcome.Stored, restarted.Apply(StoreDataKinds.Catalog, Encoding.UTF8.GetBytes($"{{\"version\":2,\"items\":[{Product("b", 5)}]}}"), Now).Outcome);
        Assert.Equal(["b"], restarted.Load(StoreDataKinds.Catalog).Select(i => i.Key));
        Assert.Equal(1, restarted.Count(StoreDataKinds.Catalog));
    }
}
