using System.Text.Json;
using Edge.Cloud.Tests.Brokers;
using Edge.Gateway.Tests.EndToEnd;

namespace Edge.Gateway.Tests.FaultInjection;

/// <summary>The real gateway on a 2 MiB filesystem that fills up under a busy store: it degrades, says so, and recovers by itself.</summary>
public sealed class DiskFullTests
{
    [Fact]
    public async Task AFullDisk_MakesTheGateway503_WithoutStoppingIt_AndItCatchesUpWhenSpaceReturns()
    {
        using var disk = new SmallDisk(2);
        using var mosquitto = new Mosquitto();
        await using Subscriber cloud = await Subscriber.ConnectAsync(mosquitto.Port, $"{Scenario.Prefix}/events/#");
        int deadPort = GatewayProcess.FreePort();
        string dataDir = Path.Combine(disk.Path, "data");
        using (GatewayProcess busy = GatewayProcess.Start(dataDir, ["--sim-shopper-rate", "600"], Scenario.Mqtt(deadPort)))
        {
            // The broker is out of reach, so the outbox grows too; the disk fills within a minute.
            JsonElement full = await busy.WaitForHealthAsync((status, _) => status == 503, TimeSpan.FromMinutes(4), "503 on the full disk");
            Assert.Contains("No space left", full.GetProperty("journalError").GetString() ?? full.GetProperty("cloud").GetProperty("outbox").GetProperty("error").GetString(), StringComparison.Ordinal);
            long seqWhenFull = full.GetProperty("journalSeq").GetInt64();

            // Still running, still counting in memory: picks made now are not lost.
            await busy.Http.PostAsync("/api/simulation/shelves/H-04/pick", new StringContent("{\"items\":1}"));
            await Task.Delay(TimeSpan.FromSeconds(5)); // the store stays busy on the full disk for a while
            Assert.False(busy.HasExited, busy.Output);
            await busy.WaitForHealthAsync((status, h) => status == 503 && h.GetProperty("journal").GetProperty("waiting").GetInt32() > 0, Scenario.Deadline, "events waiting in memory");

            disk.Grow(64);
            JsonElement recovered = await busy.WaitForHealthAsync(
                (status, h) => status == 200 && h.GetProperty("journalSeq").GetInt64() > seqWhenFull && h.GetProperty("journal").GetProperty("waiting").GetInt32() == 0,
                Scenario.Deadline,
                "recovery once space returned");
            Assert.True(recovered.GetProperty("journal").GetProperty("failedCommits").GetInt64() > 0);
            Assert.Equal(0, recovered.GetProperty("journal").GetProperty("dropped").GetInt64());
            await busy.TerminateAsync(Scenario.Deadline);
            Assert.Equal(0, busy.ExitCode);
            Scenario.AssertNoStackTrace(busy.Errors);
        }

        // With the broker back, every journaled event arrives, each under its own id.
        using GatewayProcess quiet = GatewayProcess.Start(dataDir, ["--sim-shopper-rate", "0"], Scenario.Mqtt(mosquitto.Port));
        JsonElement drained = await Scenario.DrainedAsync(quiet, TimeSpan.FromMinutes(3));
        long last = drained.GetProperty("journalSeq").GetInt64();
        await Scenario.DeliveredAsync(cloud, last);
        Scenario.AssertEverySeqArrived(Scenario.ShelfEvents(cloud), last);
        Scenario.AssertNoIdIsReused(Scenario.ShelfEvents(cloud));
    }
}
