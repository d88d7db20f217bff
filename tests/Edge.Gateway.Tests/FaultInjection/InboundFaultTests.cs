using System.Text.Json;
using System.Text;
using Edge.Cloud.Tests.Brokers;
using Edge.Gateway.Tests.EndToEnd;

namespace Edge.Gateway.Tests.FaultInjection;

/// <summary>
/// The real gateway and a real Mosquitto, fed what a hostile or broken cloud sends: bytes that are not UTF-8 on every
/// inbound topic (retained, too), oversized payloads, deep nesting, and live settings from two writers.
/// </summary>
public sealed class InboundFaultTests : IDisposable
{
    private const string Prefix = Scenario.Prefix;
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-fi-inbound-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private static byte[] Poison(string json) => [.. Encoding.UTF8.GetBytes(json).SelectMany(b => b == (byte)'~' ? new byte[] { 0xff } : [b])];

    private async Task<GatewayProcess> StartAsync(Mosquitto mosquitto, Subscriber cloud)
    {
        int before = cloud.Received.Count(m => m.Topic == Prefix + "/status" && m.Payload.Contains("online", StringComparison.Ordinal));
        GatewayProcess gateway = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "0"], Scenario.Mqtt(mosquitto.Port));
        await cloud.WaitForAsync(r => r.Count(m => m.Topic == Prefix + "/status" && m.Payload.Contains("online", StringComparison.Ordinal)) > before, Scenario.Deadline, "online\n" + gateway.Output);
        return gateway;
    }

    [Fact]
    public async Task PoisonOnEveryInboundTopic_IsRefusedOrCounted_AndTheNextMessageIsHandled_AlsoAfterARestart()
    {
        using var mosquitto = new Mosquitto();
        await using Subscriber cloud = await Subscriber.ConnectAsync(mosquitto.Port, $"{Prefix}/#");
        using (GatewayProcess gateway = await StartAsync(mosquitto, cloud))
        {
            JsonElement tare = await Scenario.AskAsync(cloud, $"{Prefix}/commands/tare", Poison("{\"correlationId\":\"c-~\",\"shelfId\":\"NOPE\"}"), "not valid UTF-8");
            await cloud.PublishAsync($"{Prefix}/config/desired", Poison("{\"$version\":5,\"pump\":{\"ratePerSecond\":\"~\"}}"));
            await cloud.PublishAsync("retail/store-001/promotions", Poison("{\"version\":5,\"items\":[{\"sku\":\"~\"}]}"), retain: true);
            JsonElement deep = await Scenario.AskAsync(cloud, $"{Prefix}/commands/tare", Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)), "not JSON");
            JsonElement big = await Scenario.AskAsync(cloud, $"{Prefix}/commands/tare", Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('x', 100 * 1024) + "\"}"), "exceeds the limit");
            JsonElement next = await Scenario.AskAsync(cloud, $"{Prefix}/commands/tare", "{\"correlationId\":\"after-poison\",\"shelfId\":\"NOPE\"}", "after-poison");

            Assert.Equal(400, tare.GetProperty("status").GetInt32());
            Assert.Equal(JsonValueKind.Null, tare.GetProperty("correlationId").ValueKind);
            Assert.Equal(400, deep.GetProperty("status").GetInt32());
            Assert.Equal(413, big.GetProperty("status").GetInt32());
            Assert.Equal(404, next.GetProperty("status").GetInt32());

            // Desired configuration is still applied after the poison.
            await cloud.PublishAsync($"{Prefix}/config/desired", "{\"$version\":6,\"shelves\":{\"S-01\":{\"lowStockThreshold\":1000}}}");
            await gateway.WaitForStockAsync(s => GatewayProcess.StatusOf(s, "S-01") == "low", Scenario.Deadline, "S-01 low after the desired change");
            JsonElement health = await gateway.WaitForHealthAsync((_, h) => h.GetProperty("cloud").GetProperty("inbound").GetProperty("rejected").GetInt64() >= 3, Scenario.Deadline, "the refusals counted");
            Assert.Equal(1, health.GetProperty("cloud").GetProperty("inbound").GetProperty("oversized").GetInt64());
            Assert.Equal(0, health.GetProperty("cloud").GetProperty("inbound").GetProperty("failed").GetInt64());

            TimeSpan stopped = await gateway.TerminateAsync(Scenario.Deadline);
            Assert.True(stopped < TimeSpan.FromSeconds(10), $"shutdown took {stopped}");
            Assert.Equal(0, gateway.ExitCode);
            Assert.Empty(gateway.Errors);
        }

        // The retained poison is delivered again at every start: it must not deafen the restarted gateway.
        using (GatewayProcess restarted = await StartAsync(mosquitto, cloud))
        {
            JsonElement answered = await Scenario.AskAsync(cloud, $"{Prefix}/commands/tare", "{\"correlationId\":\"after-restart\",\"shelfId\":\"NOPE\"}", "after-restart");
            Assert.Equal(404, answered.GetProperty("status").GetInt32());
            await restarted.WaitForStockAsync(s => GatewayProcess.StatusOf(s, "S-01") == "low", Scenario.Deadline, "the desired setting restored after the restart");
        }
    }

    [Fact]
    public async Task LiveSettings_FromTwoWriters_KeepTheirOwnVersions_AndImplausibleCommandsAreRefused()
    {
        using var mosquitto = new Mosquitto();
        await using Subscriber cloud = await Subscriber.ConnectAsync(mosquitto.Port, $"{Prefix}/#");
        using GatewayProcess gateway = await StartAsync(mosquitto, cloud);
        await gateway.WaitForStockAsync(s => s.All(r => r.GetProperty("status").GetString() is "ok" or "low"), Scenario.Deadline, "every shelf counted");

        // The reported configuration is published on connect, before any change.
        await cloud.WaitForAsync(r => r.Any(m => m.Topic == $"{Prefix}/config/reported"), Scenario.Deadline, "config/reported on connect");

        // A local change does not consume the cloud's version: the cloud's next version 1 is still applied.
        JsonElement local = await Scenario.AskAsync(cloud, $"{Prefix}/commands/set-config", "{\"correlationId\":\"s1\",\"key\":\"pump.ratePerSecond\",\"value\":250}", "s1");
        Assert.Equal(200, local.GetProperty("status").GetInt32());
        Assert.Equal(1, local.GetProperty("body").GetProperty("localVersion").GetInt64());
        Assert.Equal(0, local.GetProperty("body").GetProperty("desiredVersion").GetInt64());
        await cloud.PublishAsync($"{Prefix}/config/desired", "{\"$version\":1,\"shelves\":{\"S-02\":{\"lowStockThreshold\":1000}}}");
        await gateway.WaitForStockAsync(s => GatewayProcess.StatusOf(s, "S-02") == "low", Scenario.Deadline, "desired version 1 applied after a local change");
        await cloud.WaitForAsync(r => r.Any(m => m.Topic == $"{Prefix}/config/reported" && m.Payload.Contains("\"$version\":1", StringComparison.Ordinal) && m.Payload.Contains("\"localVersion\":1", StringComparison.Ordinal)), Scenario.Deadline, "both versions reported");

        // A version no JSON client can hold exactly is refused; set-config keeps working.
        JsonElement huge = await Scenario.AskAsync(cloud, $"{Prefix}/config/desired", "{\"correlationId\":\"v-max\",\"$version\":9223372036854775807,\"pump\":{\"ratePerSecond\":1}}", "v-max");
        JsonElement after = await Scenario.AskAsync(cloud, $"{Prefix}/commands/set-config", "{\"correlationId\":\"s2\",\"key\":\"pump.ratePerSecond\",\"value\":300}", "s2");
        Assert.Equal(400, huge.GetProperty("status").GetInt32());
        Assert.Equal(200, after.GetProperty("status").GetInt32());

        // Implausible calibration, and a tare with items on the shelf.
        JsonElement extreme = await Scenario.AskAsync(cloud, $"{Prefix}/commands/recalibrate", "{\"correlationId\":\"cal\",\"shelfId\":\"S-01\",\"rawZero\":-1e308,\"gramsZero\":0,\"rawSpan\":1e308,\"gramsSpan\":1000}", "cal");
        JsonElement tare = await Scenario.AskAsync(cloud, $"{Prefix}/commands/tare", "{\"correlationId\":\"tare\",\"shelfId\":\"D-01\"}", "tare");
        Assert.Equal(400, extreme.GetProperty("status").GetInt32());
        Assert.Equal(409, tare.GetProperty("status").GetInt32());
        Assert.Contains("empty it before taring", tare.GetProperty("body").GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(0, GatewayProcess.CountOf(await gateway.StockAsync(), "D-01"));
    }
}
