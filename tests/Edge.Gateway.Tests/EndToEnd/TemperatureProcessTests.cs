using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Edge.Cloud.Tests.Brokers;
using Edge.Gateway.Tests.FaultInjection;

namespace Edge.Gateway.Tests.EndToEnd;

/// <summary>
/// A chilled case on the real gateway process: the simulated store's SHT3x read through the real driver, a door left
/// open long enough becomes a <c>TemperatureHigh</c> alert and day records on a real Mosquitto, and the record is
/// there after a restart.
/// </summary>
public sealed class TemperatureProcessTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-temperature-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task ADoorLeftOpen_IsAnAlertUpstream_TheRecordHasIt_AndItSurvivesARestart()
    {
        using var mosquitto = new Mosquitto();
        await using Subscriber cloud = await Subscriber.ConnectAsync(mosquitto.Port, $"{Scenario.Prefix}/#");
        Dictionary<string, string> env = Scenario.Mqtt(mosquitto.Port);
        env["Temperature__Interval"] = "00:00:01";
        env["Temperature__Cases__0__Id"] = "C-09";
        env["Temperature__Cases__0__Shelves__0"] = "D-03";
        // Just above the set point, so a door opened for a minute passes it in seconds.
        env["Temperature__Cases__0__High"] = "4.5";
        env["Temperature__Cases__0__MinDuration"] = "00:00:05";
        string today;
        int readingsBefore;
        using (GatewayProcess gateway = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "0"], env))
        {
            await cloud.WaitForAsync(r => r.Any(m => m.Topic == $"{Scenario.Prefix}/status" && m.Payload.Contains("online", StringComparison.Ordinal)), Scenario.Deadline, "online");
            JsonElement state = await WaitForCaseAsync(gateway, c => c.GetProperty("status").GetString() == "ok", "the case read");
            Assert.InRange(state.GetProperty("celsius").GetDouble(), 3.0, 4.0);
            Assert.Contains("simulated I2C bus 1, address 0x44", state.GetProperty("sensor").GetString(), StringComparison.Ordinal);

            using HttpResponseMessage bad = await gateway.Http.PostAsync("/api/simulation/cases/C-09/door", new StringContent("{\"seconds\":\"long\"}", Encoding.UTF8, "application/json"));
            Assert.Equal(400, (int)bad.StatusCode);
            using HttpResponseMessage open = await gateway.Http.PostAsync("/api/simulation/cases/C-09/door", new StringContent("{\"seconds\":120}", Encoding.UTF8, "application/json"));
            Assert.Equal(200, (int)open.StatusCode);

            await WaitForCaseAsync(gateway, c => c.GetProperty("alerted").GetBoolean(), "the case alerted");
            await cloud.WaitForAsync(r => r.Any(m => m.Topic == $"{Scenario.Prefix}/events/TemperatureHigh"), Scenario.Deadline, "TemperatureHigh upstream");
            JsonElement alert = Event(cloud, "TemperatureHigh");
            Assert.Equal(("temperature-alerts", "C-09", 4.5), (Envelope(cloud, "TemperatureHigh").GetProperty("stream").GetString(), alert.GetProperty("caseId").GetString(), alert.GetProperty("high").GetDouble()));
            Assert.True(alert.GetProperty("peak").GetDouble() > 4.5);
            await cloud.WaitForAsync(r => r.Any(m => m.Topic == $"{Scenario.Prefix}/events/TemperatureRecord" && m.Payload.Contains("\"minutesOutOfRange\":0.", StringComparison.Ordinal)), Scenario.Deadline, "a record with time out of range");

            JsonElement records = await gateway.Http.GetFromJsonAsync<JsonElement>("/api/temperature/records");
            JsonElement day = Assert.Single(records.GetProperty("cases").EnumerateArray());
            today = records.GetProperty("date").GetString()!;
            readingsBefore = day.GetProperty("readings").GetInt32();
            Assert.True(day.GetProperty("minutesOutOfRange").GetDouble() > 0);
            Assert.True(day.GetProperty("max").GetDouble() > 4.5);
            using HttpResponseMessage badDate = await gateway.Http.GetAsync("/api/temperature/records?date=2026-13-01");
            Assert.Equal(400, (int)badDate.StatusCode);
            gateway.Kill();
        }

        using GatewayProcess restarted = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "0"], env);
        await restarted.WaitForHealthAsync((status, _) => status == 200, Scenario.Deadline, "healthy after the restart");
        JsonElement after = Assert.Single((await restarted.Http.GetFromJsonAsync<JsonElement>($"/api/temperature/records?date={today}")).GetProperty("cases").EnumerateArray());
        Assert.True(after.GetProperty("minutesOutOfRange").GetDouble() > 0);
        // Killed, not stopped: every reading the record had is still there (the restart may have added some).
        Assert.True(after.GetProperty("readings").GetInt32() >= readingsBefore, $"{after.GetProperty("readings")} readings after the restart, {readingsBefore} before");
    }

    private static JsonElement Envelope(Subscriber cloud, string type) =>
        JsonDocument.Parse(cloud.Received.First(m => m.Topic == $"{Scenario.Prefix}/events/{type}").Payload).RootElement.Clone();

    private static JsonElement Event(Subscriber cloud, string type) => Envelope(cloud, type).GetProperty("event");

    private static async Task<JsonElement> WaitForCaseAsync(GatewayProcess gateway, Func<JsonElement, bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Scenario.Deadline);
        JsonElement last = default;
        while (!deadline.IsCancellationRequested)
        {
            try
            {
                last = (await gateway.Http.GetFromJsonAsync<JsonElement>("/api/temperature", deadline.Token)).GetProperty("cases")[0];
                if (condition(last))
                {
                    return last;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(250, CancellationToken.None);
        }

        throw new TimeoutException($"{what}: not within {Scenario.Deadline} (last: {last}); gateway output: {gateway.Output}");
    }
}
