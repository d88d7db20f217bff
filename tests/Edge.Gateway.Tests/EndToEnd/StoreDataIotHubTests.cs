using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Edge.Cloud.Tests.IotHub;

namespace Edge.Gateway.Tests.EndToEnd;

/// <summary>Store data as IoT Hub delivers it (cloud-to-device messages) into the real gateway process, through the conformance fake.</summary>
public sealed class StoreDataIotHubTests : IDisposable
{
    private const string DeviceId = "gw-01";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static readonly string DeviceKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("device-key-of-the-store-gateway!"));
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-storedata-hub-").FullName;
    private readonly TestCertificate _cert = new();

    public void Dispose()
    {
        _cert.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    private static string Product(string sku, long price) =>
        $"{{\"sku\":\"{sku}\",\"name\":{{\"en\":\"Product\"}},\"price\":{price},\"currency\":\"JPY\",\"category\":\"snacks\"}}";

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < Deadline, "timed out waiting for " + what);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task CloudToDeviceSnapshotsAndDeltas_SetThePrice_AndAGapAsksTheHubForASnapshot()
    {
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { [DeviceId] = DeviceKey });
        using GatewayProcess gateway = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "0"], new Dictionary<string, string>
        {
            ["Cloud__Mode"] = "IotHub",
            ["Cloud__IotHub__HostName"] = IotHubFake.Host,
            ["Cloud__IotHub__Port"] = hub.Port.ToString(CultureInfo.InvariantCulture),
            ["Cloud__IotHub__DeviceId"] = DeviceId,
            ["Cloud__IotHub__DeviceKey"] = DeviceKey,
            ["Cloud__IotHub__CaFile"] = _cert.CaFile,
        });
        await gateway.WaitForHealthAsync((_, h) => h.GetProperty("cloud").GetProperty("connected").GetBoolean(), Deadline, "connected to the hub");
        string sku = (await gateway.StockAsync())[0].GetProperty("sku").GetString()!;
        async Task<long> Price() => (await gateway.Http.GetFromJsonAsync<JsonElement>($"/api/prices?sku={sku}")).GetProperty("basePrice").GetInt64();
        KeyValuePair<string, string?>[] Catalog(string mid) => [new("$.mid", mid), new("kind", "store-data"), new("name", "catalog")];

        await hub.SendCloudToDeviceAsync(DeviceId, Catalog("c2d-1"), $"{{\"version\":1,\"items\":[{Product(sku, 321)}]}}");
        await WaitAsync(async () => await Price() == 321, "the snapshot's price");
        await hub.SendCloudToDeviceAsync(DeviceId, Catalog("c2d-2"), $"{{\"version\":2,\"baseVersion\":1,\"upsert\":[{Product(sku, 300)}]}}");
        await WaitAsync(async () => await Price() == 300, "the delta's price");
        await hub.SendCloudToDeviceAsync(DeviceId, Catalog("c2d-3"), $"{{\"version\":9,\"baseVersion\":8,\"upsert\":[{Product(sku, 1)}]}}");
        await hub.SendCloudToDeviceAsync(DeviceId, Catalog("c2d-4"), $"{{\"version\":10,\"items\":[{Product(sku, 5)},{{\"sku\":\"bad\"}}]}}");

        await WaitAsync(() => Task.FromResult(hub.Telemetry.Any(t => t.Properties.GetValueOrDefault("type") == "SnapshotRequested")), "a snapshot request at the hub");
        await WaitAsync(() => Task.FromResult(hub.Telemetry.Any(t => t.Properties.GetValueOrDefault("$.cid") == "c2d-4")), "the reply to the bad snapshot");
        var request = hub.Telemetry.First(t => t.Properties.GetValueOrDefault("type") == "SnapshotRequested");
        Assert.Contains("\"kind\":\"catalog\"", request.Body, StringComparison.Ordinal);
        Assert.Contains("\"version\":2", request.Body, StringComparison.Ordinal);
        Assert.Contains("items[1].price: is required", hub.Telemetry.First(t => t.Properties.GetValueOrDefault("$.cid") == "c2d-4").Body, StringComparison.Ordinal);
        Assert.Equal(300, await Price());
        Assert.Empty(hub.Violations);
    }
}
