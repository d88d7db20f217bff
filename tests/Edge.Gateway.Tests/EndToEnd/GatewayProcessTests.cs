using System.Net.Http.Json;
using System.Net;
using System.Text.Json;

namespace Edge.Gateway.Tests.EndToEnd;

/// <summary>The real gateway process in simulation: detection through the real driver, durability across SIGKILL, start-up errors.</summary>
public sealed class GatewayProcessTests : IDisposable
{
    private static readonly TimeSpan DetectDeadline = TimeSpan.FromSeconds(30);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private static bool AllCounted(List<JsonElement> stock) =>
        stock.All(r => r.GetProperty("count").ValueKind == JsonValueKind.Number && r.GetProperty("status").GetString() != "starting");

    private static async Task<Dictionary<string, int>> TruthAsync(GatewayProcess gateway)
    {
        var rows = await gateway.Http.GetFromJsonAsync<List<JsonElement>>("/api/simulation/shelves");
        return rows!.ToDictionary(r => r.GetProperty("shelfId").GetString()!, r => r.GetProperty("items").GetInt32());
    }

    [Fact]
    public async Task PickThroughTheSimulation_IsDetected_AndSurvivesSigkillAndRestart()
    {
        const string Shelf = "S-01";
        int expected;
        using (GatewayProcess gateway = GatewayProcess.Start(_dataDir))
        {
            List<JsonElement> stock = await gateway.WaitForStockAsync(AllCounted, GatewayProcess.StartupDeadline, "every shelf to be counted");
            Dictionary<string, int> truth = await TruthAsync(gateway);
            Assert.Equal(12, stock.Count);
            Assert.All(stock, r => Assert.Equal(truth[r.GetProperty("shelfId").GetString()!], r.GetProperty("count").GetInt32()));

            expected = GatewayProcess.CountOf(stock, Shelf)!.Value - 2;
            HttpResponseMessage pick = await gateway.Http.PostAsJsonAsync($"/api/simulation/shelves/{Shelf}/pick", new { items = 2 });
            Assert.Equal(HttpStatusCode.OK, pick.StatusCode);
            await gateway.WaitForStockAsync(s => GatewayProcess.CountOf(s, Shelf) == expected, DetectDeadline, $"{Shelf} to show {expected}");

            // Killed the moment the count is shown: stricter than the "shown for a second" contract.
            gateway.Kill();
        }

        for (int restart = 0; restart < 2; restart++)
        {
            using GatewayProcess gateway = GatewayProcess.Start(_dataDir);
            List<JsonElement> first = await gateway.WaitForStockAsync(s => GatewayProcess.CountOf(s, Shelf) is not null, GatewayProcess.StartupDeadline, "the restored count");
            Assert.Equal(expected, GatewayProcess.CountOf(first, Shelf));

            List<JsonElement> settled = await gateway.WaitForStockAsync(AllCounted, GatewayProcess.StartupDeadline, "every shelf to settle after restart");
            Assert.Equal(expected, GatewayProcess.CountOf(settled, Shelf));
            Assert.Equal((await TruthAsync(gateway))[Shelf], GatewayProcess.CountOf(settled, Shelf));

            await gateway.Http.PostAsJsonAsync($"/api/simulation/shelves/{Shelf}/put", new { items = 1 });
            expected++;
            await gateway.WaitForStockAsync(s => GatewayProcess.CountOf(s, Shelf) == expected, DetectDeadline, $"{Shelf} to show {expected} after a put-back");
            gateway.Kill();
        }
    }

    [Fact]
    public async Task ShelfOnAPinTheBoardDoesNotHave_IsFaulted_WhileTheOthersCount()
    {
        var env = new Dictionary<string, string>();
        AddShelf(env, 0, "OK-1", dout: 5, sck: 6, unitWeight: "120");
        AddShelf(env, 1, "BAD-1", dout: 60, sck: 61, unitWeight: "120");
        using GatewayProcess gateway = GatewayProcess.Start(_dataDir, environment: env);

        List<JsonElement> stock = await gateway.WaitForStockAsync(
            s => GatewayProcess.StatusOf(s, "OK-1") != "starting" && GatewayProcess.StatusOf(s, "BAD-1") == "faulted",
            GatewayProcess.StartupDeadline,
            "OK-1 counted and BAD-1 faulted");

        Assert.NotNull(GatewayProcess.CountOf(stock, "OK-1"));
        HttpResponseMessage health = await gateway.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        string body = await health.Content.ReadAsStringAsync();
        Assert.Contains("\"faultedShelves\":1", body, StringComparison.Ordinal);
        Assert.Contains("\"framesLastMinute\":[{\"shelfId\":\"OK-1\",\"dataRate\":10,", body, StringComparison.Ordinal); // only the shelf whose HX711 opened
        Assert.Contains("BAD-1", gateway.Output, StringComparison.Ordinal);
        Assert.Contains("GPIO 61 does not exist on this board", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidConfiguration_StopsTheGatewayAtStart_NamingTheKey()
    {
        var env = new Dictionary<string, string>();
        for (int i = 0; i < 4; i++)
        {
            AddShelf(env, i, $"S{i}", dout: 5 + (2 * i), sck: 6 + (2 * i), unitWeight: i == 3 ? "0" : "100");
        }

        using GatewayProcess gateway = GatewayProcess.Start(_dataDir, environment: env);

        Assert.Equal(2, await gateway.WaitForExitAsync(GatewayProcess.StartupDeadline));
        Assert.Contains("Shelves:3:UnitWeightGrams must be > 0", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", gateway.Output, StringComparison.Ordinal);
    }

    private static void AddShelf(Dictionary<string, string> env, int i, string id, int dout, int sck, string unitWeight)
    {
        string p = $"Shelves__{i}__";
        env[p + "Id"] = id;
        env[p + "Zone"] = "test";
        env[p + "Sku"] = "sku-" + id;
        env[p + "Name"] = id;
        env[p + "UnitWeightGrams"] = unitWeight;
        env[p + "DoutPin"] = dout.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env[p + "SckPin"] = sck.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env[p + "TareGrams"] = "320";
        env[p + "Calibration__RawZero"] = "62915";
        env[p + "Calibration__RawSpan"] = "243270";
        env[p + "Calibration__GramsSpan"] = "1000";
    }
}
