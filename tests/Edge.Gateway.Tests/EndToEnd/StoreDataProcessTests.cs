using System.Net.Http.Json;
using System.Text.Json;
using Edge.Cloud.Tests.Brokers;
using Edge.Gateway.Tests.FaultInjection;

namespace Edge.Gateway.Tests.EndToEnd;

/// <summary>Store data through a real Mosquitto into the real gateway process, and the prices it then gives.</summary>
public sealed class StoreDataProcessTests : IDisposable
{
    private const string Store = "retail/store-001";
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-storedata-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private static string Product(string sku, long price, string currency = "JPY") =>
        $"{{\"sku\":\"{sku}\",\"name\":{{\"ja\":\"商品\",\"en\":\"Product\"}},\"price\":{price},\"currency\":\"{currency}\",\"category\":\"snacks\"}}";

    private static async Task<long> PriceAsync(GatewayProcess gateway, string sku) =>
        (await gateway.Http.GetFromJsonAsync<JsonElement>($"/api/prices?sku={sku}&channel=store")).GetProperty("price").GetInt64();

    [Fact]
    public async Task SnapshotsAndDeltas_ChangeThePrice_AGapAsksForASnapshot_ABadItemChangesNothing_AndItAllSurvivesARestart()
    {
        using var mosquitto = new Mosquitto();
        await using Subscriber cloud = await Subscriber.ConnectAsync(mosquitto.Port, $"{Scenario.Prefix}/#");
        using (GatewayProcess gateway = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "0"], Scenario.Mqtt(mosquitto.Port)))
        {
            await cloud.WaitForAsync(r => r.Any(m => m.Topic == $"{Scenario.Prefix}/status" && m.Payload.Contains("online", StringComparison.Ordinal)), Scenario.Deadline, "online");
            string sku = (await gateway.StockAsync())[0].GetProperty("sku").GetString()!;
            string others = string.Join(",", Enumerable.Range(0, 2000).Select(i => Product("X-" + i, 100 + i)));
            DateTimeOffset now = DateTimeOffset.UtcNow;

            JsonElement catalog = await Scenario.AskAsync(cloud, $"{Store}/catalog", $"{{\"correlationId\":\"k1\",\"version\":1,\"items\":[{Product(sku, 777)},{others}]}}", "k1");
            JsonElement promotions = await Scenario.AskAsync(cloud, $"{Store}/promotions",
                $"{{\"correlationId\":\"p1\",\"version\":1,\"items\":[{{\"id\":\"ten-off\",\"skus\":[\"{sku}\"],\"discount\":{{\"type\":\"percent\",\"value\":10}},\"channels\":[\"store\"],\"start\":\"{now.AddHours(-1):O}\",\"end\":\"{now.AddHours(1):O}\",\"title\":{{\"ja\":\"10%引き\",\"en\":\"10% off\"}}}}]}}", "p1");
            Assert.Equal(200, catalog.GetProperty("status").GetInt32());
            Assert.Equal(200, promotions.GetProperty("status").GetInt32());
            Assert.Equal(699, await PriceAsync(gateway, sku)); // 777 − 10 % = 699.3 → 699

            JsonElement delta = await Scenario.AskAsync(cloud, $"{Store}/catalog", $"{{\"correlationId\":\"k2\",\"version\":2,\"baseVersion\":1,\"upsert\":[{Product(sku, 1000)}],\"remove\":[\"X-7\"]}}", "k2");
            Assert.Equal(200, delta.GetProperty("status").GetInt32());
            Assert.Equal(900, await PriceAsync(gateway, sku));

            JsonElement gap = await Scenario.AskAsync(cloud, $"{Store}/catalog", $"{{\"correlationId\":\"k3\",\"version\":4,\"baseVersion\":3,\"upsert\":[{Product(sku, 1)}]}}", "k3");
            Assert.Equal(409, gap.GetProperty("status").GetInt32());
            await cloud.WaitForAsync(r => r.Any(m => m.Topic == $"{Scenario.Prefix}/events/SnapshotRequested"), Scenario.Deadline, "a snapshot request");
            JsonElement request = JsonDocument.Parse(cloud.Received.First(m => m.Topic == $"{Scenario.Prefix}/events/SnapshotRequested").Payload).RootElement.GetProperty("event");
            Assert.Equal("catalog", request.GetProperty("kind").GetString());
            Assert.Equal(2, request.GetProperty("version").GetInt64());

            JsonElement bad = await Scenario.AskAsync(cloud, $"{Store}/catalog", $"{{\"correlationId\":\"k4\",\"version\":9,\"items\":[{Product(sku, 5)},{Product("Y", 5, "yen")}]}}", "k4");
            Assert.Equal(400, bad.GetProperty("status").GetInt32());
            Assert.Contains("items[1].currency", bad.GetProperty("body").GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Equal(900, await PriceAsync(gateway, sku));

            await cloud.WaitForAsync(r => r.Any(m => m.Topic == $"{Scenario.Prefix}/events/Availability" && m.Payload.Contains($"\"sku\":\"{sku}\"", StringComparison.Ordinal)), Scenario.Deadline, "availability of " + sku);
            gateway.Kill();
        }

        using GatewayProcess restarted = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "0"], Scenario.Mqtt(mosquitto.Port));
        JsonElement health = await restarted.WaitForHealthAsync((status, _) => status == 200, Scenario.Deadline, "healthy after the restart");
        string first = (await restarted.StockAsync())[0].GetProperty("sku").GetString()!;
        Assert.Equal(900, await PriceAsync(restarted, first));
        Assert.Equal(2, health.GetProperty("storeData").GetProperty("catalog").GetProperty("version").GetInt64());
        Assert.Equal(2000, health.GetProperty("storeData").GetProperty("catalog").GetProperty("items").GetInt32());
        Assert.Equal("catalog", health.GetProperty("prices").GetProperty("source").GetString());
    }
}
