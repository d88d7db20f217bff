using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Edge.Cloud.Tests.Brokers;
using Edge.Cloud.Tests.IotHub;
using Edge.Gateway.Tests.EndToEnd;
using Edge.Gateway.Tests.FaultInjection;

namespace Edge.Gateway.Tests.Observability;

/// <summary>The real gateway's health summary at a real Mosquitto (retained in the status) and at the IoT Hub fake (a reported property).</summary>
public sealed class HealthSummaryProcessTests : IDisposable
{
    private const string Status = Scenario.Prefix + "/status";
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-health-summary-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task OnMosquitto_TheSummaryIsRetainedInTheStatus_AndTheGoodbyeStillSaysOffline()
    {
        using var mosquitto = new Mosquitto();
        using GatewayProcess gateway = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "0"], Scenario.Mqtt(mosquitto.Port));
        await gateway.WaitForHealthAsync((_, h) => h.GetProperty("cloud").GetProperty("connected").GetBoolean(), Scenario.Deadline, "connected");
        AssertEveryFieldIsInTheReadme(JsonDocument.Parse(await gateway.Http.GetStringAsync("/healthz")).RootElement);

        // A subscriber that comes later is given the retained status: online, with the summary.
        JsonElement retained = await RetainedStatusAsync(mosquitto.Port, s => s.TryGetProperty("health", out _), "a retained status with health");
        Assert.Equal("online", retained.GetProperty("state").GetString());
        JsonElement health = retained.GetProperty("health");
        Assert.Contains(health.GetProperty("status").GetString(), (string[])["healthy", "degraded"]);
        Assert.Equal(["beacons", "cloud", "pick-to-light", "shelves", "signage", "store-data", "temperature"], health.GetProperty("areas").EnumerateObject().Select(p => p.Name));
        Assert.Equal(12, health.GetProperty("shelves").GetProperty("total").GetInt32());
        Assert.Equal(0, health.GetProperty("shelves").GetProperty("faulted").GetInt32());
        Assert.True(health.GetProperty("outbox").GetProperty("pending").GetInt64() >= 0);
        Assert.True(health.GetProperty("outbox").GetProperty("oldestAgeSeconds").GetInt64() >= 0);
        Assert.True(DateTimeOffset.Parse(health.GetProperty("at").GetString()!, CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddMinutes(-2));
        Assert.DoesNotContain("store-001", retained.GetRawText(), StringComparison.Ordinal); // figures, not identities (the topic names the gateway)

        TimeSpan stopped = await gateway.TerminateAsync(Scenario.Deadline);
        Assert.True(stopped < TimeSpan.FromSeconds(10), $"shutdown took {stopped}");
        JsonElement after = await RetainedStatusAsync(mosquitto.Port, s => s.GetProperty("state").GetString() == "offline", "the retained offline status");
        Assert.False(after.TryGetProperty("health", out _), "an offline gateway has no current health");
        Assert.Equal(0, gateway.ExitCode);
    }

    // The README lists /healthz's fields, as ConfigurationReferenceTests holds the configuration keys to the table: every
    // property name the running gateway gives (at any depth) is in that paragraph in backticks. Under storeData the
    // names are the store-data kinds, which are data, not fields.
    private static void AssertEveryFieldIsInTheReadme(JsonElement health)
    {
        string readme = RepositoryFiles.Readme();
        int start = readme.IndexOf("`/healthz` fields", StringComparison.Ordinal);
        Assert.True(start >= 0, "the README has no /healthz field list");
        string list = readme[start..readme.IndexOf("\n\n", start, StringComparison.Ordinal)];
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        void Walk(JsonElement e, string path)
        {
            if (e.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in e.EnumerateArray())
                {
                    Walk(item, path + "[]");
                }
            }
            else if (e.ValueKind == JsonValueKind.Object && path != ".storeData")
            {
                foreach (JsonProperty p in e.EnumerateObject())
                {
                    if (!list.Contains($"`{p.Name}`", StringComparison.Ordinal))
                    {
                        missing.Add($"{path}.{p.Name}");
                    }

                    Walk(p.Value, $"{path}.{p.Name}");
                }
            }
        }

        Walk(health, "");
        Assert.True(missing.Count == 0, "not in the README's /healthz fields: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task OnIotHub_TheSummaryIsTheHealthReportedProperty()
    {
        string deviceKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("device-key-of-the-store-gateway!"));
        using var cert = new TestCertificate();
        await using IotHubFake hub = await IotHubFake.StartAsync(cert, new() { ["gw-01"] = deviceKey });
        using GatewayProcess gateway = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "0"], new Dictionary<string, string>
        {
            ["Cloud__Mode"] = "IotHub",
            ["Cloud__IotHub__HostName"] = IotHubFake.Host,
            ["Cloud__IotHub__Port"] = hub.Port.ToString(CultureInfo.InvariantCulture),
            ["Cloud__IotHub__DeviceId"] = "gw-01",
            ["Cloud__IotHub__DeviceKey"] = deviceKey,
            ["Cloud__IotHub__CaFile"] = cert.CaFile,
        });

        var clock = System.Diagnostics.Stopwatch.StartNew();
        JsonNode? health = null;
        while (health is null)
        {
            Assert.True(clock.Elapsed < Scenario.Deadline, "no health reported property\n" + gateway.Output);
            Assert.False(gateway.HasExited, gateway.Output);
            lock (hub.Reported)
            {
                health = hub.Reported["health"]?.DeepClone();
            }

            await Task.Delay(50);
        }

        Assert.Contains((string?)health["status"], (string[])["healthy", "degraded"]);
        Assert.Equal("healthy", (string?)health["areas"]!["cloud"]);
        AssertEveryFieldIsInTheReadme(JsonDocument.Parse(await gateway.Http.GetStringAsync("/healthz")).RootElement);
        Assert.Equal(12, (int)health["shelves"]!["total"]!);
        Assert.NotNull(health["outbox"]!["deadLettered"]);
        Assert.Empty(hub.Violations);
    }

    private static async Task<JsonElement> RetainedStatusAsync(int port, Func<JsonElement, bool> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using (Subscriber late = await Subscriber.ConnectAsync(port, Status))
            {
                var inner = System.Diagnostics.Stopwatch.StartNew();
                while (inner.Elapsed < TimeSpan.FromSeconds(2))
                {
                    foreach ((string _, string payload, bool retain) in late.Received)
                    {
                        JsonElement status = JsonDocument.Parse(payload).RootElement.Clone();
                        if (retain && condition(status))
                        {
                            return status;
                        }
                    }

                    await Task.Delay(20);
                }
            }

            Assert.True(clock.Elapsed < Scenario.Deadline, $"timed out waiting for {what}");
        }
    }
}
