using System.Text.Json;
using Edge.Cloud.Tests.Brokers;
using Edge.Gateway.Simulation;

namespace Edge.Gateway.Tests.EndToEnd;

/// <summary>The real gateway replaying a busy store's capture; presence and health events reach a real broker through the outbox.</summary>
public sealed class BeaconProcessTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-ble-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Replay_SendsZoneEventsAndBeaconAlertsToTheCloud_WithoutAddresses()
    {
        string capture = Path.Combine(_dataDir, "store.btsnoop");
        await using (FileStream file = File.Create(capture))
        {
            new SimulatedBeaconCapture().Write(file, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(11));
        }

        using var mosquitto = new Mosquitto();
        await using Subscriber cloud = await Subscriber.ConnectAsync(mosquitto.Port, "retail/store-001/gw-01/events/#");
        using GatewayProcess gateway = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "0", "--ble-replay", capture], new Dictionary<string, string>
        {
            ["Cloud__Mode"] = "Mqtt",
            ["Cloud__Mqtt__Host"] = "127.0.0.1",
            ["Cloud__Mqtt__Port"] = mosquitto.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Beacons__ReplaySpeed"] = "0",
        });

        await cloud.WaitForAsync(r => r.Any(m => m.Topic.EndsWith("/BeaconMissing", StringComparison.Ordinal)) && r.Count(m => m.Topic.EndsWith("/ZoneExited", StringComparison.Ordinal)) >= 6, TimeSpan.FromSeconds(90), "the replay's events\n" + gateway.Output);

        List<JsonElement> envelopes = cloud.Received.Select(m => JsonDocument.Parse(m.Payload).RootElement).ToList();
        Assert.Contains(envelopes, e => e.GetProperty("type").GetString() == "BeaconBatteryLow" && e.GetProperty("stream").GetString() == "beacon-alerts");
        Assert.Contains(envelopes, e => e.GetProperty("type").GetString() == "BeaconMoved");
        Assert.Contains(envelopes, e => e.GetProperty("type").GetString() == "ZoneEntered" && e.GetProperty("stream").GetString() == "presence");
        Assert.All(envelopes.Where(e => e.GetProperty("stream").GetString() == "presence"), e => Assert.StartsWith("s-", e.GetProperty("event").GetProperty("subject").GetString(), StringComparison.Ordinal));
        Assert.DoesNotContain(cloud.Received, m => System.Text.RegularExpressions.Regex.IsMatch(m.Payload, "([0-9a-f]{2}:){5}[0-9a-f]{2}"));
    }
}
