using System.Text.Json;
using Edge.Cloud.Tests.Brokers;
using Edge.Gateway.Tests.FaultInjection;

namespace Edge.Gateway.Tests.Signage.Browser;

/// <summary>
/// The simulated store fed by a cloud over a real Mosquitto (<c>Cloud:Mode=Mqtt</c>, so no demo data): a catalog of the
/// store's SKUs at ¥100 each, ¥200 for D-01's and D-02's, so a test can then publish its own promotions.
/// </summary>
public sealed class CloudStore : IAsyncLifetime, IDisposable
{
    private const string Store = "retail/store-001";

    private Mosquitto? _mosquitto;

    public StoreGateway Gateway { get; private set; } = null!;

    public Subscriber Cloud { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _mosquitto = new Mosquitto();
        Cloud = await Subscriber.ConnectAsync(_mosquitto.Port, $"{Scenario.Prefix}/#");
        Gateway = await StoreGateway.StartAsync(Scenario.Mqtt(_mosquitto.Port));
        await Cloud.WaitForAsync(r => r.Any(m => m.Topic == $"{Scenario.Prefix}/status" && m.Payload.Contains("online", StringComparison.Ordinal)), Scenario.Deadline, "the gateway online");
        string items = string.Join(",", (await Gateway.GetAsync("/api/stock")).EnumerateArray().Select(r => (Shelf: r.GetProperty("shelfId").GetString(), Sku: r.GetProperty("sku").GetString())).Select(s =>
            $"{{\"sku\":\"{s.Sku}\",\"name\":{{\"ja\":\"テスト商品 {s.Shelf}\",\"en\":\"Test product {s.Shelf}\"}},\"price\":{(s.Shelf is "D-01" or "D-02" ? 200 : 100)},\"currency\":\"JPY\",\"category\":\"drinks\"}}"));
        JsonElement reply = await PublishAsync("catalog", $"\"items\":[{items}]");
        Assert.Equal(200, reply.GetProperty("status").GetInt32());
    }

    /// <summary>The SKU on a shelf.</summary>
    public async Task<string> SkuOfAsync(string shelfId) =>
        (await Gateway.GetAsync("/api/stock")).EnumerateArray().Single(r => r.GetProperty("shelfId").GetString() == shelfId).GetProperty("sku").GetString()!;

    /// <summary>Publishes a snapshot of <paramref name="kind"/> (<paramref name="body"/> is its <c>"items":[…]</c>) and returns the gateway's reply.</summary>
    public Task<JsonElement> PublishAsync(string kind, string body)
    {
        string id = "c-" + Guid.NewGuid().ToString("N");
        // Versions from the clock: each snapshot is newer than the last, whichever test sent it.
        return Scenario.AskAsync(Cloud, $"{Store}/{kind}", $"{{\"correlationId\":\"{id}\",\"version\":{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()},{body}}}", id);
    }

    public async Task DisposeAsync()
    {
        Gateway?.Dispose();
        if (Cloud is not null)
        {
            await Cloud.DisposeAsync();
        }
    }

    /// <summary>The broker goes last (xunit calls this after <see cref="DisposeAsync"/>).</summary>
    public void Dispose() => _mosquitto?.Dispose();
}
