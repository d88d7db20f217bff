using System.Text.Json;
using Edge.Cloud.Tests.Brokers;

namespace Edge.Gateway.Tests.EndToEnd;

/// <summary>The real gateway publishing a busy simulated store to a real Mosquitto, SIGKILLed again and again.</summary>
public sealed class CloudCrashTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-crash-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private static Dictionary<string, string> Cloud(int port) => new()
    {
        ["Cloud__Mode"] = "Mqtt",
        ["Cloud__Mqtt__Host"] = "127.0.0.1",
        ["Cloud__Mqtt__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Cloud__Outbox__CommitInterval"] = "00:00:00.050",
    };

    private static List<JsonElement> Events(Subscriber cloud) =>
        cloud.Received.Where(m => m.Topic.Contains("/events/", StringComparison.Ordinal)).Select(m => JsonDocument.Parse(m.Payload).RootElement).ToList();

    private static List<JsonElement> ShelfEvents(Subscriber cloud) =>
        [.. Events(cloud).Where(e => e.GetProperty("messageId").GetString()!.StartsWith("gw-01:shelf:", StringComparison.Ordinal))];

    [Fact]
    public async Task SigkilledRepeatedly_EveryStreamArrivesGapFree_AndEveryJournaledEventArrives()
    {
        using var mosquitto = new Mosquitto();
        await using Subscriber cloud = await Subscriber.ConnectAsync(mosquitto.Port, "retail/store-001/gw-01/#");
        int kills = 0;

        for (int round = 0; round < 4; round++)
        {
            // Shelf events: availability is published for every SKU as soon as a gateway starts, before any is journaled.
            int before = ShelfEvents(cloud).Count;
            using GatewayProcess busy = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "400"], Cloud(mosquitto.Port));
            await cloud.WaitForAsync(_ => ShelfEvents(cloud).Count >= before + 4, Deadline, $"4 more shelf events in round {round}\n{busy.Output}");
            busy.Kill();
            kills++;
        }

        // Offline status from the will, published by the broker when each killed process's socket closed.
        await cloud.WaitForAsync(r => r.Count(m => m.Topic.EndsWith("/status", StringComparison.Ordinal) && m.Payload.Contains("offline", StringComparison.Ordinal)) >= kills, Deadline, "an offline will per kill");

        // A last, quiet run drains whatever the killed ones left in the outbox.
        using GatewayProcess quiet = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "0"], Cloud(mosquitto.Port));
        JsonElement health = default;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < Deadline)
        {
            try
            {
                health = JsonDocument.Parse(await quiet.Http.GetStringAsync("/healthz")).RootElement;
                JsonElement c = health.GetProperty("cloud");
                if (c.GetProperty("forwardedShelfSeq").GetInt64() == health.GetProperty("journalSeq").GetInt64()
                    && c.GetProperty("outbox").GetProperty("pending").GetInt64() == 0)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // starting
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        long journalSeq = health.GetProperty("journalSeq").GetInt64();
        Assert.True(journalSeq >= 8, $"the busy store journaled only {journalSeq} events");
        // Shelf events only: the simulated store also sends presence and availability, which would fill the count first.
        await cloud.WaitForAsync(_ => Events(cloud).Select(e => e.GetProperty("messageId").GetString()!).Where(id => id.StartsWith("gw-01:shelf:", StringComparison.Ordinal)).Distinct().Count() >= journalSeq,
            Deadline, $"all {journalSeq} journaled events");

        List<JsonElement> events = Events(cloud);
        // Availability is state whose newer message replaces a waiting older one (README: Cloud sync), so its stream
        // may skip numbers by design; every other stream is checked.
        foreach (IGrouping<string, JsonElement> stream in events.Where(e => e.GetProperty("stream").GetString() != "availability").GroupBy(e => e.GetProperty("stream").GetString()!))
        {
            // Gap-free per stream: every number from 1 to the highest arrived (some more than once).
            List<long> seqs = stream.Select(e => e.GetProperty("seq").GetInt64()).Distinct().Order().ToList();
            Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
        }

        // Nothing journaled was lost: every shelf event reached the cloud, identified by its deterministic id
        // ({gateway}:shelf:{journal epoch}:{seq}); replays after a kill repeat the same id, never a new one.
        List<JsonElement> shelfEvents = events.Where(e => e.GetProperty("messageId").GetString()!.StartsWith("gw-01:shelf:", StringComparison.Ordinal)).ToList();
        Assert.All(shelfEvents, e => Assert.Equal(
            $"gw-01:shelf:{e.GetProperty("event").GetProperty("epoch").GetString()}:{e.GetProperty("event").GetProperty("seq").GetInt64()}",
            e.GetProperty("messageId").GetString()));
        Dictionary<long, HashSet<string?>> idsBySeq = shelfEvents.GroupBy(e => e.GetProperty("event").GetProperty("seq").GetInt64())
            .ToDictionary(g => g.Key, g => g.Select(e => e.GetProperty("messageId").GetString()).ToHashSet());
        Assert.All(Enumerable.Range(1, (int)journalSeq), seq => Assert.Single(Assert.Contains((long)seq, idsBySeq)));
    }
}
