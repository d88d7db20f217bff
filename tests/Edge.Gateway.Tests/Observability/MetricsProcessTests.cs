using System.Diagnostics;
using Edge.Cloud.Tests.Brokers;
using Edge.Gateway.Tests.EndToEnd;
using Edge.Gateway.Tests.FaultInjection;
using Xunit.Abstractions;

namespace Edge.Gateway.Tests.Observability;

/// <summary>The real gateway in simulation, scraped on <c>/metrics</c> as Prometheus scrapes it.</summary>
public sealed class MetricsProcessTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-metrics-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task AScrape_ShowsEveryMetric_WithPlausibleValues_ThatMoveAfterAPick()
    {
        using GatewayProcess gateway = GatewayProcess.Start(_dataDir);
        await gateway.WaitForStockAsync(s => s.All(r => GatewayProcess.CountOf(s, r.GetProperty("shelfId").GetString()!) is not null), Deadline, "every shelf counted");
        Scrape before = await Scrape.WaitForAsync(gateway, s => s.Sum("edge_ble_reports_total") > 0, Deadline, "BLE reports from the replayed capture");

        // Every shelf's chip delivers frames (10 a second); only a few are rejected (the first ones, while a chip settles).
        string[] shelves = [.. (await gateway.StockAsync()).Select(r => r.GetProperty("shelfId").GetString()!)];
        Assert.Equal(12, shelves.Length);
        foreach (string shelf in shelves)
        {
            Assert.True(before.Samples[$"edge_hx711_frames_total{{result=\"accepted\",shelf=\"{shelf}\"}}"] > 0, shelf);
            Assert.True(before.Samples.ContainsKey($"edge_hx711_frames_total{{result=\"rejected\",shelf=\"{shelf}\"}}"), shelf);
        }

        Assert.True(before.Sum("edge_hx711_frames_total", "rejected") < before.Sum("edge_hx711_frames_total", "accepted"));
        Assert.Equal(0, before.Samples["edge_shelves_faulted"]);
        foreach (string kind in (string[])["ItemsRemoved", "ItemsAdded", "Restocked", "LowStock", "OutOfStock", "SensorFault"])
        {
            Assert.True(before.Samples.ContainsKey($"edge_shelf_events_total{{kind=\"{kind}\"}}"), kind); // from 0, so rate() works at once
        }

        Assert.True(before.Samples["edge_journal_commit_duration_seconds_count"] >= 1, "the shelves' first rows were committed");
        Assert.InRange(before.Samples["edge_journal_commit_duration_seconds_sum"], 1e-6, before.Samples["edge_journal_commit_duration_seconds_count"] * 10);
        Assert.Equal(before.Samples["edge_journal_commit_duration_seconds_count"], before.Samples["edge_journal_commit_duration_seconds_bucket{le=\"+Inf\"}"]);
        Assert.Equal(3, before.Samples.Keys.Count(k => k.StartsWith("edge_signage_players{", StringComparison.Ordinal)));
        Assert.Equal(0, before.Samples["edge_signage_screens_connected"]);
        Assert.True(before.Has("edge_offers_triggered_total") && before.Has("edge_offers_suppressed_total"));
        Assert.False(before.Has("edge_outbox_pending"), "no outbox without a cloud mode");
        Assert.Contains("target_info{", before.Text, StringComparison.Ordinal);
        Assert.Contains("service_instance_id=\"store-001-gw-01\"", before.Text, StringComparison.Ordinal);

        // Act: a shopper takes two items, and a player opens a screen.
        using HttpResponseMessage pick = await gateway.Http.PostAsync("/api/simulation/shelves/S-01/pick", new StringContent("{\"items\": 2}"));
        Assert.Equal(200, (int)pick.StatusCode);
        using var player = new HttpClient { BaseAddress = gateway.Http.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using HttpResponseMessage stream = await player.GetAsync("/signage/drinks/events?player=metrics-test", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)stream.StatusCode);

        Scrape after = await Scrape.WaitForAsync(gateway, s => s.Samples["edge_shelf_events_total{kind=\"ItemsRemoved\"}"] > before.Samples["edge_shelf_events_total{kind=\"ItemsRemoved\"}"]
            && s.Samples["edge_signage_screens_connected"] == 1, Deadline, "the pick counted and the player connected");

        Assert.True(after.Samples["edge_journal_commit_duration_seconds_count"] > before.Samples["edge_journal_commit_duration_seconds_count"]);
        Assert.Equal(1, after.Samples["edge_signage_players{screen=\"drinks\"}"]);
        Assert.True(after.Sum("edge_hx711_frames_total", "accepted") > before.Sum("edge_hx711_frames_total", "accepted"));
        Assert.True(after.Sum("edge_ble_reports_total") > before.Sum("edge_ble_reports_total"));
        output.WriteLine($"scrape of the simulated store: {after.Bytes} bytes, {after.Samples.Count} samples, {after.Took.TotalMilliseconds:0.0} ms");
    }

    [Fact]
    public async Task FiftyConcurrentScrapes_AllAnswerInFull_AndTheApiStaysResponsive()
    {
        using GatewayProcess gateway = GatewayProcess.Start(_dataDir);
        Scrape first = await Scrape.WaitForAsync(gateway, s => s.Has("edge_hx711_frames_total") && s.Has("edge_journal_commit_duration_seconds_count"), Deadline, "a scrape with every metric");
        var timings = new List<TimeSpan>();
        for (int round = 0; round < 3; round++)
        {
            var clock = Stopwatch.StartNew();
            Task<Scrape>[] scrapes = [.. Enumerable.Range(0, 50).Select(_ => Task.Run(() => Scrape.TakeAsync(gateway.Http)))];
            var api = Stopwatch.StartNew();
            Assert.Equal(12, (await gateway.StockAsync()).Count);
            api.Stop();
            Scrape[] all = await Task.WhenAll(scrapes);
            timings.Add(clock.Elapsed);

            // Each answer is a whole exposition: the same series as the first scrape, none cut short.
            Assert.All(all, s => Assert.Superset(first.Samples.Keys.ToHashSet(), s.Samples.Keys.ToHashSet()));
            Assert.True(api.Elapsed < TimeSpan.FromSeconds(2), $"/api/stock took {api.Elapsed} under 50 scrapes");
            output.WriteLine($"round {round}: 50 scrapes in {clock.Elapsed.TotalMilliseconds:0} ms (slowest {all.Max(s => s.Took).TotalMilliseconds:0} ms), /api/stock meanwhile {api.Elapsed.TotalMilliseconds:0} ms, {all[0].Bytes} bytes each");
        }

        Assert.All(timings, t => Assert.True(t < TimeSpan.FromSeconds(10), $"50 scrapes took {t}"));
        Assert.Empty(gateway.Errors);
    }

    [Fact]
    public async Task WithABroker_TheOutboxAndLinkMetrics_FollowAnOutageAndTheReconnect()
    {
        using var mosquitto = new Mosquitto();
        using GatewayProcess gateway = GatewayProcess.Start(_dataDir, ["--sim-shopper-rate", "0"], Scenario.Mqtt(mosquitto.Port));
        Scrape up = await Scrape.WaitForAsync(gateway, s => s.Samples.GetValueOrDefault("edge_cloud_connected") == 1, Deadline, "connected");
        Assert.Equal(0, up.Samples["edge_cloud_reconnects_total"]);
        Assert.True(up.Samples["edge_cloud_connect_attempts_total"] >= 1);
        foreach (string name in (string[])["edge_outbox_pending", "edge_outbox_pending_size_bytes", "edge_outbox_oldest_age_seconds", "edge_outbox_dead_letters_total", "edge_outbox_refused_total"])
        {
            Assert.True(up.Has(name), name);
        }

        Assert.Equal(0, up.Sum("edge_outbox_dropped_total"));
        Assert.True(up.Samples.ContainsKey("edge_outbox_dropped_total{class=\"stock\",reason=\"budget\"}"));

        // Act: the broker goes away; a pick waits in the outbox; the broker comes back.
        mosquitto.Stop();
        await Scrape.WaitForAsync(gateway, s => s.Samples["edge_cloud_connected"] == 0, Deadline, "the link down");
        using HttpResponseMessage pick = await gateway.Http.PostAsync("/api/simulation/shelves/S-02/pick", new StringContent("{\"items\": 1}"));
        Scrape waiting = await Scrape.WaitForAsync(gateway, s => s.Samples["edge_outbox_pending"] >= 1 && s.Samples["edge_outbox_oldest_age_seconds"] >= 1, Deadline, "the pick waiting, and ageing");
        Assert.True(waiting.Samples["edge_outbox_pending_size_bytes"] > 0);
        mosquitto.Start();

        Scrape back = await Scrape.WaitForAsync(gateway, s => s.Samples["edge_cloud_reconnects_total"] == 1 && s.Samples["edge_outbox_pending"] == 0, Deadline, "reconnected and drained");
        Assert.Equal(1, back.Samples["edge_cloud_connected"]);
        Assert.Equal(0, back.Samples["edge_outbox_oldest_age_seconds"]);
        Assert.True(back.Samples["edge_cloud_connect_attempts_total"] > up.Samples["edge_cloud_connect_attempts_total"]);
    }
}
