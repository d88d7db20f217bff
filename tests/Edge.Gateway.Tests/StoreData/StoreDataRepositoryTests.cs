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

    private (StoreDataRepository.Outcome, string) Apply(string json) => _store.Apply("promotions", Encoding.UTF8.GetBytes(json), Now);

    [Fact]
    public void NewerVersions_AreStored_OlderOrEqualOnesArrivingLateAreIgnored()
    {
        Assert.Equal(StoreDataRepository.Outcome.Stored, Apply("{\"version\":2,\"items\":[{\"sku\":\"a\"}]}").Item1);
        Assert.Equal(StoreDataRepository.Outcome.Ignored, Apply("{\"version\":1,\"items\":[]}").Item1);
        Assert.Equal(StoreDataRepository.Outcome.Ignored, Apply("{\"version\":2,\"items\":[]}").Item1);

        Assert.Equal((2L, "{\"version\":2,\"items\":[{\"sku\":\"a\"}]}"), _store.Get("promotions"));
        Assert.Equal(StoreDataRepository.Outcome.Stored, Apply("{\"version\":3,\"items\":[]}").Item1);
        Assert.Null(_store.Get("catalog"));
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[1,2]", "JSON object")]
    [InlineData("{\"items\":[]}", "\"version\"")]
    [InlineData("{\"version\":-1,\"items\":[]}", "\"version\"")]
    [InlineData("{\"version\":1.5,\"items\":[]}", "\"version\"")]
    [InlineData("{\"version\":9,\"items\":{}}", "\"items\"")]
    public void MalformedPayloads_AreRejectedWithAReason_AndChangeNothing(string json, string reason)
    {
        Apply("{\"version\":2,\"items\":[]}");

        (StoreDataRepository.Outcome outcome, string message) = Apply(json);

        Assert.Equal(StoreDataRepository.Outcome.Rejected, outcome);
        Assert.Contains(reason, message, StringComparison.Ordinal);
        Assert.Equal(2, _store.Get("promotions")!.Value.Version);
    }
}
