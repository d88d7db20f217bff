using System.Text.Json;
using Edge.Cloud.Tests.Brokers;
using Edge.Gateway.Tests.EndToEnd;

namespace Edge.Gateway.Tests.FaultInjection;

/// <summary>The real gateway against a broker that accepts TCP and never answers, then a real one on the same port.</summary>
public sealed class BrokerFaultTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-fi-broker-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task ABrokerThatNeverAnswers_CostsEachAttemptItsDeadline_AndTheBacklogArrivesOnceARealOneListens()
    {
        int port;
        using GatewayProcess gateway = StartOnBlackHole(out BlackHoleListener blackHole, out port);
        using (blackHole)
        {
            JsonElement health = await gateway.WaitForHealthAsync((_, h) => h.GetProperty("cloud").GetProperty("connectAttempts").GetInt32() >= 2, Scenario.Deadline, "a second attempt after the first one's deadline");
            Assert.False(health.GetProperty("cloud").GetProperty("connected").GetBoolean());
            Assert.Contains("no CONNACK", health.GetProperty("cloud").GetProperty("lastError").GetString(), StringComparison.Ordinal);
            Assert.Contains("Cloud connection lost or refused", gateway.Output, StringComparison.Ordinal);
            await gateway.WaitForHealthAsync((_, h) => h.GetProperty("journalSeq").GetInt64() >= 3, Scenario.Deadline, "events journaled meanwhile");
        }

        // A real broker now listens where the black hole was: the link climbs out of its backoff and drains.
        using var mosquitto = new Mosquitto(port);
        await using Subscriber cloud = await Subscriber.ConnectAsync(mosquitto.Port, $"{Scenario.Prefix}/events/#");
        JsonElement connected = await gateway.WaitForHealthAsync((_, h) => h.GetProperty("cloud").GetProperty("connected").GetBoolean(), TimeSpan.FromMinutes(3), "connected to the real broker");
        long journaled = connected.GetProperty("journalSeq").GetInt64();
        await Scenario.DeliveredAsync(cloud, journaled);
        Scenario.AssertEverySeqArrived(Scenario.ShelfEvents(cloud), journaled);
        Scenario.AssertNoIdIsReused(Scenario.ShelfEvents(cloud));
    }

    private GatewayProcess StartOnBlackHole(out BlackHoleListener blackHole, out int port)
    {
        blackHole = new BlackHoleListener();
        port = blackHole.Port;
        return GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "300"], Scenario.Mqtt(port));
    }
}
