using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Edge.Cloud.Tests.Brokers;
using Edge.Gateway.Tests.FaultInjection;

namespace Edge.Gateway.Tests.EndToEnd;

/// <summary>
/// Pick-to-light on the real gateway process with a real Mosquitto: a reservation from the cloud lights the simulated
/// store's demo strip (as decoded from the SPI stream the WS2812B binding sent), and the right pick, seen by the
/// weight, goes upstream as <c>ReservationPicked</c> and turns the LEDs off.
/// </summary>
public sealed class PickToLightProcessTests : IDisposable
{
    private const string Sku = "4901085089385"; // the demo store's D-01, LEDs 0 to 7 of the demo strip
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-ptl-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private static async Task<JsonElement> WaitForStripAsync(GatewayProcess gateway, Func<JsonElement, bool> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow + Scenario.Deadline;
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await gateway.Http.GetFromJsonAsync<JsonElement>("/api/pick-to-light");
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{what} did not happen; the strip last said {last}\n{gateway.Output}");
        return last;
    }

    private static string[] Pixels(JsonElement strip) => [.. strip.GetProperty("pixels").EnumerateArray().Select(p => p.GetString()!)];

    [Fact]
    public async Task AReservationFromTheCloud_LightsTheShelf_AndTheRightPickIsReportedUpstream_AndTurnsItOff()
    {
        using var mosquitto = new Mosquitto();
        await using Subscriber cloud = await Subscriber.ConnectAsync(mosquitto.Port, $"{Scenario.Prefix}/#");
        using GatewayProcess gateway = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "0"], Scenario.Mqtt(mosquitto.Port));
        await cloud.WaitForAsync(r => r.Any(m => m.Topic == $"{Scenario.Prefix}/status" && m.Payload.Contains("online", StringComparison.Ordinal)), Scenario.Deadline, "online");
        await gateway.WaitForStockAsync(s => GatewayProcess.CountOf(s, "D-01") >= 2, Scenario.Deadline, "D-01 counted");
        JsonElement dark = await WaitForStripAsync(gateway, s => s.GetProperty("enabled").GetBoolean() && s.GetProperty("pixelsSource").GetString() == "wire", "the demo strip written");
        Assert.All(Pixels(dark), p => Assert.Equal("#000000", p));

        string pickupBy = DateTimeOffset.UtcNow.AddHours(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        JsonElement stored = await Scenario.AskAsync(cloud, "retail/store-001/reservations",
            $$"""{"correlationId":"r1","version":1,"items":[{"orderId":"C-1","sku":"{{Sku}}","quantity":2,"status":"reserved","pickupBy":"{{pickupBy}}"}]}""", "r1");
        Assert.Equal(200, stored.GetProperty("status").GetInt32());

        // Lit as the LEDs see it: the colours decoded from the simulated strip's SPI bit stream.
        JsonElement lit = await WaitForStripAsync(gateway, s => s.GetProperty("lit").GetArrayLength() == 1 && Pixels(s)[0] != "#000000", "D-01 lit");
        JsonElement line = lit.GetProperty("lit")[0];
        Assert.Equal(("C-1", "D-01", 2), (line.GetProperty("orderId").GetString(), line.GetProperty("shelfId").GetString(), line.GetProperty("quantity").GetInt32()));
        string colour = line.GetProperty("color").GetString()!;
        string[] pixels = Pixels(lit);
        Assert.All(pixels[..8], p => Assert.Equal(colour, p));
        Assert.All(pixels[8..], p => Assert.Equal("#000000", p));
        Assert.Equal(2, (await gateway.Http.GetFromJsonAsync<JsonElement>($"/api/availability?sku={Sku}")).GetProperty("reserved").GetInt32());

        using HttpResponseMessage pick = await gateway.Http.PostAsync("/api/simulation/shelves/D-01/pick", new StringContent("{\"items\":2}", Encoding.UTF8, "application/json"));
        Assert.True(pick.IsSuccessStatusCode, await pick.Content.ReadAsStringAsync());

        await cloud.WaitForAsync(r => r.Any(m => m.Topic == $"{Scenario.Prefix}/events/ReservationPicked"), Scenario.Deadline, "ReservationPicked");
        JsonElement envelope = JsonDocument.Parse(cloud.Received.First(m => m.Topic == $"{Scenario.Prefix}/events/ReservationPicked").Payload).RootElement;
        Assert.Equal("reservations", envelope.GetProperty("stream").GetString());
        Assert.Equal("gw-01:picked:C-1:" + Sku, envelope.GetProperty("messageId").GetString());
        JsonElement picked = envelope.GetProperty("event");
        Assert.Equal(("C-1", Sku, 2, "D-01"), (picked.GetProperty("orderId").GetString(), picked.GetProperty("sku").GetString(), picked.GetProperty("quantity").GetInt32(), picked.GetProperty("shelfId").GetString()));

        JsonElement off = await WaitForStripAsync(gateway, s => s.GetProperty("lit").GetArrayLength() == 0 && Pixels(s).All(p => p == "#000000"), "the LEDs off");
        Assert.Equal("C-1", off.GetProperty("picked")[0].GetProperty("orderId").GetString());
        Assert.Equal(0, (await gateway.Http.GetFromJsonAsync<JsonElement>($"/api/availability?sku={Sku}")).GetProperty("reserved").GetInt32());
    }
}
