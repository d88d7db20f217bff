using System.Net.Http.Json;
using System.Text.Json;
using Edge.Cloud.Tests.Brokers;
using Edge.Gateway.Tests.FaultInjection;

namespace Edge.Gateway.Tests.EndToEnd;

/// <summary>The screens of the real gateway process: their content retained on a real Mosquitto, and bad screen configuration refused at start.</summary>
public sealed class SignageProcessTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-signage-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private static long VersionOf(string json) => JsonDocument.Parse(json).RootElement.GetProperty("version").GetInt64();

    [Fact]
    public async Task EveryScreensContent_IsRetainedOnTheBroker_AndReplacedWhenItChanges()
    {
        using var mosquitto = new Mosquitto();
        string screens = $"{Scenario.Prefix}/screens/";
        await using Subscriber cloud = await Subscriber.ConnectAsync(mosquitto.Port, screens + "+");
        using GatewayProcess gateway = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "0"], Scenario.Mqtt(mosquitto.Port));
        await gateway.WaitForStockAsync(s => s.All(x => x.GetProperty("count").ValueKind == JsonValueKind.Number), Scenario.Deadline, "every shelf counted");
        await cloud.WaitForAsync(r => r.Select(m => m.Topic).Distinct().Count() == 3, Scenario.Deadline, "three screens published");

        // What the broker has is what the gateway serves: the same content, the same version.
        string drinks = await gateway.Http.GetStringAsync("/api/screens/drinks/content");
        await cloud.WaitForAsync(r => r.Any(m => m.Topic == screens + "drinks" && VersionOf(m.Payload) == VersionOf(drinks)), Scenario.Deadline, "the served version");

        int before = GatewayProcess.CountOf(await gateway.StockAsync(), "D-01")!.Value;
        HttpResponseMessage pick = await gateway.Http.PostAsJsonAsync("/api/simulation/shelves/D-01/pick", new { items = 1 });
        pick.EnsureSuccessStatusCode();
        await gateway.WaitForStockAsync(s => GatewayProcess.CountOf(s, "D-01") == before - 1, Scenario.Deadline, "the pick counted");
        string sku = (await gateway.StockAsync()).First(x => x.GetProperty("shelfId").GetString() == "D-01").GetProperty("sku").GetString()!;
        await cloud.WaitForAsync(r => r.Any(m => m.Topic == screens + "drinks" && TileCount(m.Payload, sku) == before - 1), Scenario.Deadline, "the new count retained");

        // A subscriber that comes later is given the newest content of each screen at once, retained.
        await using Subscriber late = await Subscriber.ConnectAsync(mosquitto.Port, screens + "+");
        await late.WaitForAsync(r => r.Count(m => m.Retain) == 3, Scenario.Deadline, "three retained contents");
        Assert.Equal(before - 1, TileCount(late.Received.Single(m => m.Topic == screens + "drinks").Payload, sku));

        // A report larger than any request the gateway takes is refused before it is read.
        HttpResponseMessage huge = await gateway.Http.PostAsync("/signage/drinks/plays", new StringContent("[\"" + new string('a', 70 * 1024) + "\"]"));
        Assert.Equal(System.Net.HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
    }

    [Fact]
    public async Task ABadScreen_StopsTheGatewayAtStart_NamingItsKey()
    {
        using GatewayProcess gateway = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "0"], new Dictionary<string, string>
        {
            ["Screens__0__Id"] = "front",
            ["Screens__0__Zone"] = "drinks",
            ["Screens__0__Shelves__0"] = "NOPE",
            ["Screens__1__Id"] = "back",
            ["Screens__1__Zone"] = "drinks",
            ["Screens__1__Layuot"] = "Grid",
        });

        Assert.Equal(2, await gateway.WaitForExitAsync(GatewayProcess.StartupDeadline));
        Assert.Contains("Screens:1:Layuot is not a known key", gateway.Errors, StringComparison.Ordinal);
        Scenario.AssertNoStackTrace(gateway.Output);

        using GatewayProcess second = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "0"], new Dictionary<string, string>
        {
            ["Screens__0__Id"] = "front",
            ["Screens__0__Zone"] = "drinks",
            ["Screens__0__Shelves__0"] = "NOPE",
        });

        Assert.Equal(2, await second.WaitForExitAsync(GatewayProcess.StartupDeadline));
        Assert.Contains("Screens:0:Shelves:0: no shelf 'NOPE'", second.Errors, StringComparison.Ordinal);
    }

    private static int? TileCount(string content, string sku)
    {
        foreach (JsonElement tile in JsonDocument.Parse(content).RootElement.GetProperty("tiles").EnumerateArray())
        {
            if (tile.GetProperty("sku").GetString() == sku)
            {
                return tile.GetProperty("count").ValueKind == JsonValueKind.Number ? tile.GetProperty("count").GetInt32() : null;
            }
        }

        return null;
    }
}
