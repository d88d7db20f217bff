using System.Text.Json;
using Edge.Cloud.Tests.Brokers;

namespace Edge.Gateway.Tests.EndToEnd;

/// <summary>Commands, desired configuration and store data sent to the real gateway process through a real Mosquitto.</summary>
public sealed class CloudCommandTests : IDisposable
{
    private const string Prefix = "retail/store-001/gw-01";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-commands-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private static async Task<JsonElement> AskAsync(Subscriber cloud, string topic, string payload, string correlationId)
    {
        await cloud.PublishAsync(topic, payload);
        string marker = correlationId.Contains('"', StringComparison.Ordinal) ? correlationId : $"\"{correlationId}\"";
        await cloud.WaitForAsync(r => r.Any(m => m.Topic == $"{Prefix}/replies" && m.Payload.Contains(marker, StringComparison.Ordinal)), Deadline, "reply " + correlationId);
        return JsonDocument.Parse(cloud.Received.First(m => m.Topic == $"{Prefix}/replies" && m.Payload.Contains(marker, StringComparison.Ordinal)).Payload).RootElement;
    }

    [Fact]
    public async Task CommandsConfigAndStoreData_AreAnswered_AndBadPayloadsChangeNothing()
    {
        using var mosquitto = new Mosquitto();
        await using Subscriber cloud = await Subscriber.ConnectAsync(mosquitto.Port, $"{Prefix}/#");
        using GatewayProcess gateway = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "0"], new Dictionary<string, string>
        {
            ["Cloud__Mode"] = "Mqtt",
            ["Cloud__Mqtt__Host"] = "127.0.0.1",
            ["Cloud__Mqtt__Port"] = mosquitto.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await gateway.WaitForStockAsync(s => s.All(r => r.GetProperty("status").GetString() is "ok" or "low"), Deadline, "every shelf counted");
        await cloud.WaitForAsync(r => r.Any(m => m.Topic == $"{Prefix}/status" && m.Payload.Contains("online", StringComparison.Ordinal)), Deadline, "online");

        // Unparseable: no correlation id can be read from it, so the 400 reply carries a null one.
        JsonElement notJson = await AskAsync(cloud, $"{Prefix}/commands/tare", "{\"correlationId\":\"c1\",", "correlationId\":null");
        JsonElement noShelf = await AskAsync(cloud, $"{Prefix}/commands/tare", "{\"correlationId\":\"c2\",\"shelfId\":\"Z-99\"}", "c2");
        JsonElement unknown = await AskAsync(cloud, $"{Prefix}/commands/format-disk", "{\"correlationId\":\"c3\"}", "c3");
        JsonElement badCal = await AskAsync(cloud, $"{Prefix}/commands/recalibrate", "{\"correlationId\":\"c4\",\"shelfId\":\"S-01\",\"rawZero\":5,\"gramsZero\":0,\"rawSpan\":5,\"gramsSpan\":1000}", "c4");
        Assert.Equal(400, notJson.GetProperty("status").GetInt32());
        Assert.Equal(404, noShelf.GetProperty("status").GetInt32());
        Assert.Equal(400, unknown.GetProperty("status").GetInt32());
        Assert.Contains("raw readings must differ", badCal.GetProperty("body").GetProperty("error").GetString(), StringComparison.Ordinal);

        // A live setting: S-01's low-stock threshold raised above its count turns it "low" on /api/stock.
        JsonElement set = await AskAsync(cloud, $"{Prefix}/commands/set-config", "{\"correlationId\":\"c5\",\"key\":\"shelves.S-01.lowStockThreshold\",\"value\":1000}", "c5");
        Assert.Equal(200, set.GetProperty("status").GetInt32());
        await gateway.WaitForStockAsync(s => GatewayProcess.StatusOf(s, "S-01") == "low", Deadline, "S-01 low");

        // Desired configuration: a bad one is refused whole and changes nothing; a newer good one is applied and reported.
        JsonElement bad = await AskAsync(cloud, $"{Prefix}/config/desired", "{\"correlationId\":\"c6\",\"$version\":50,\"shelves\":{\"S-01\":{\"lowStockThreshold\":0}},\"lights\":\"on\"}", "c6");
        Assert.Equal(400, bad.GetProperty("status").GetInt32());
        Assert.Equal("low", GatewayProcess.StatusOf(await gateway.StockAsync(), "S-01"));
        await cloud.PublishAsync($"{Prefix}/config/desired", "{\"$version\":51,\"shelves\":{\"S-01\":{\"lowStockThreshold\":0}}}");
        await gateway.WaitForStockAsync(s => GatewayProcess.StatusOf(s, "S-01") == "ok", Deadline, "S-01 ok again");
        await cloud.WaitForAsync(r => r.Any(m => m.Topic == $"{Prefix}/config/reported" && m.Payload.Contains("\"$version\":51", StringComparison.Ordinal)), Deadline, "reported version 51");

        // Store data: versioned and idempotent.
        JsonElement v2 = await AskAsync(cloud, "retail/store-001/promotions", "{\"correlationId\":\"c7\",\"version\":2,\"items\":[{\"id\":\"p1\",\"skus\":[\"4901005202078\"],\"discount\":{\"type\":\"percent\",\"value\":10}}]}", "c7");
        JsonElement v1 = await AskAsync(cloud, "retail/store-001/promotions", "{\"correlationId\":\"c8\",\"version\":1,\"items\":[]}", "c8");
        JsonElement broken = await AskAsync(cloud, "retail/store-001/promotions", "{\"correlationId\":\"c9\",\"version\":3}", "c9");
        Assert.Contains("stored version 2", v2.GetProperty("body").GetProperty("result").GetString(), StringComparison.Ordinal);
        Assert.Contains("not newer", v1.GetProperty("body").GetProperty("result").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, broken.GetProperty("status").GetInt32());

        // Resync sends every shelf's level; restart-sampler power-cycles every HX711 and counting goes on.
        JsonElement resync = await AskAsync(cloud, $"{Prefix}/commands/resync", "{\"correlationId\":\"c10\"}", "c10");
        Assert.Equal(12, resync.GetProperty("body").GetProperty("shelves").GetInt32());
        await cloud.WaitForAsync(r => r.Count(m => m.Topic == $"{Prefix}/events/StockLevel") >= 12, Deadline, "12 StockLevel events");
        JsonElement restart = await AskAsync(cloud, $"{Prefix}/commands/restart-sampler", "{\"correlationId\":\"c11\"}", "c11");
        Assert.Equal(12, restart.GetProperty("body").GetProperty("chips").GetInt32());
        int before = GatewayProcess.CountOf(await gateway.StockAsync(), "D-01")!.Value;
        await gateway.Http.PostAsync("/api/simulation/shelves/D-01/pick", new StringContent("{\"items\":1}"));
        await gateway.WaitForStockAsync(s => GatewayProcess.CountOf(s, "D-01") == before - 1, Deadline, "a pick after the sampler restart");
    }
}
