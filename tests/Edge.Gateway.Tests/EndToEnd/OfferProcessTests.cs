using System.Text.Json;
using System.Text.RegularExpressions;
using Edge.Cloud.Tests.Brokers;
using Edge.Gateway.Simulation;
using Edge.Gateway.Tests.FaultInjection;

namespace Edge.Gateway.Tests.EndToEnd;

/// <summary>A BLE capture of the busy store replayed through the real gateway process: the offers on a real Mosquitto are exactly the ones the rules give.</summary>
public sealed partial class OfferProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-offers-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task EachSimulatedShopperGetsTheOffersTheRulesGive_ForeignDevicesNone_AndNoAddressOrTokenLeaves()
    {
        string capture = Path.Combine(_dir, "store.btsnoop");
        await using (FileStream file = File.Create(capture))
        {
            new SimulatedBeaconCapture(seed: 11).Write(file, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(9));
        }

        // One app promotion per zone, retained on the broker, so it is in force before the first shopper dwells.
        var shelves = DemoStoreLayout.Shelves();
        var byZone = shelves.GroupBy(s => s.Zone).ToDictionary(g => g.Key, g => g.First().Sku, StringComparer.Ordinal);
        string promotions = JsonSerializer.Serialize(new
        {
            version = 1,
            items = byZone.Select(z => new { id = "app-" + z.Key, skus = new[] { z.Value }, discount = new { type = "percent", value = 15 }, channels = new[] { "app" }, title = new { en = z.Key } }),
        });
        using var mosquitto = new Mosquitto();
        await using Subscriber cloud = await Subscriber.ConnectAsync(mosquitto.Port, $"{Scenario.Prefix}/events/#");
        await cloud.PublishAsync("retail/store-001/promotions", promotions, retain: true);

        Dictionary<string, string> environment = Scenario.Mqtt(mosquitto.Port);
        environment["Beacons__ReplaySpeed"] = "20";
        environment["Offers__RequireKnownStock"] = "false"; // the replay begins while the shelves are still being counted
        using GatewayProcess gateway = GatewayProcess.Start(_dir, ["--sim-shopper-rate", "0", "--ble-replay", capture], environment);
        await cloud.WaitForAsync(_ => gateway.Output.Contains("BLE replay of", StringComparison.Ordinal), Scenario.Deadline, "the replay finished");
        await gateway.WaitForHealthAsync((_, h) => h.GetProperty("cloud").GetProperty("outbox").GetProperty("pending").GetInt64() == 0, Scenario.Deadline, "the outbox drained");

        List<JsonElement> Events(string type) => [.. cloud.Received.Where(m => m.Topic == $"{Scenario.Prefix}/events/{type}")
            .Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("event"))];
        List<JsonElement> dwells = [.. Events("Dwell").OrderBy(e => e.GetProperty("timestamp").GetDateTimeOffset())];
        HashSet<string> shoppers = [.. Events("ZoneEntered").Select(e => e.GetProperty("subject").GetString()!)];
        Assert.True(shoppers.Count >= 3, $"only {shoppers.Count} shoppers in the replay");

        // The rules, applied here to the dwells the gateway reported: minimum gap 10 min, 2 per visit, a promotion once a day.
        var expected = new List<(string Subject, string Zone, string Promotion)>();
        var last = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (JsonElement d in dwells)
        {
            string subject = d.GetProperty("subject").GetString()!, zone = d.GetProperty("zone").GetString()!;
            DateTimeOffset at = d.GetProperty("timestamp").GetDateTimeOffset();
            bool used = expected.Any(x => x.Subject == subject && x.Promotion == "app-" + zone);
            if (byZone.ContainsKey(zone) && !used && (!last.TryGetValue(subject, out DateTimeOffset before) || at - before >= TimeSpan.FromMinutes(10))
                && expected.Count(x => x.Subject == subject) < 2)
            {
                expected.Add((subject, zone, "app-" + zone));
                last[subject] = at;
            }
        }

        List<JsonElement> offers = Events("OfferTriggered");
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Order(), offers.Select(o => (o.GetProperty("subject").GetString()!, o.GetProperty("zone").GetString()!, o.GetProperty("promotionId").GetString()!)).Order());
        Assert.All(offers, o => Assert.Contains(o.GetProperty("subject").GetString()!, shoppers));

        // Nothing upstream looks like an address, and no raw iBeacon token travels.
        foreach ((string topic, string payload, _) in cloud.Received)
        {
            Assert.False(MacAddress().IsMatch(payload), $"{topic} carries something like a MAC address: {payload}");
            Assert.DoesNotContain("ib:", payload, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex("([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}")]
    private static partial Regex MacAddress();
}
