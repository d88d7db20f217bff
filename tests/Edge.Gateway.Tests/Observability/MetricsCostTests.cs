using System.Diagnostics;
using System.Globalization;
using Edge.Cloud.Tests.Brokers;
using Edge.Gateway.Tests.EndToEnd;
using Xunit.Abstractions;

namespace Edge.Gateway.Tests.Observability;

/// <summary>What metrics cost the gateway: a collector that never answers, and the memory they add.</summary>
public sealed class MetricsCostTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-metrics-cost-").FullName;
    private readonly string _otherDataDir = Directory.CreateTempSubdirectory("edge-metrics-cost-").FullName;

    public void Dispose()
    {
        Directory.Delete(_dataDir, recursive: true);
        Directory.Delete(_otherDataDir, recursive: true);
    }

    [Theory]
    [InlineData("http/protobuf")]
    [InlineData("grpc")]
    public async Task AnOtlpCollectorThatNeverAnswers_DelaysNothingElse_AndShutdownStaysQuick(string protocol)
    {
        using var blackHole = new BlackHoleListener();
        using GatewayProcess gateway = GatewayProcess.Start(_dataDir, environment: new Dictionary<string, string>
        {
            ["Metrics__OtlpEndpoint"] = $"http://127.0.0.1:{blackHole.Port}",
            ["Metrics__OtlpProtocol"] = protocol,
            ["Metrics__ExportIntervalSeconds"] = "5",
        });
        await gateway.WaitForStockAsync(s => s.All(r => r.GetProperty("count").ValueKind != System.Text.Json.JsonValueKind.Null), Deadline, "every shelf counted");

        // An export is stuck on the black hole (HTTP/2 keeps one connection for every gRPC export, HTTP/1.1 opens one per try).
        var clock = Stopwatch.StartNew();
        while (blackHole.Accepted < 1)
        {
            Assert.True(clock.Elapsed < Deadline, $"no OTLP export reached the collector\n{gateway.Output}");
            Assert.False(gateway.HasExited, gateway.Output);
            await Task.Delay(100);
        }

        int before = GatewayProcess.CountOf(await gateway.StockAsync(), "S-03")!.Value;
        // Meanwhile everything else answers at once: a pick, the stock, a scrape.
        var api = Stopwatch.StartNew();
        using (HttpResponseMessage pick = await gateway.Http.PostAsync("/api/simulation/shelves/S-03/pick", new StringContent("{\"items\": 1}")))
        {
            Assert.Equal(200, (int)pick.StatusCode);
        }

        await gateway.WaitForStockAsync(s => GatewayProcess.CountOf(s, "S-03") == before - 1, Deadline, "the pick counted");
        Scrape scrape = await Scrape.TakeAsync(gateway.Http);
        api.Stop();
        Assert.True(scrape.Has("edge_shelf_events_total"));
        Assert.True(api.Elapsed < TimeSpan.FromSeconds(15), $"a pick took {api.Elapsed} to be counted beside a hanging collector");

        TimeSpan stopped = await gateway.TerminateAsync(Deadline);
        output.WriteLine($"{protocol}: {blackHole.Accepted} connections to the black hole; pick to count {api.Elapsed.TotalMilliseconds:0} ms; shutdown {stopped.TotalMilliseconds:0} ms");
        Assert.Equal(0, gateway.ExitCode);
        Assert.True(stopped < TimeSpan.FromSeconds(10), $"shutdown took {stopped}");
    }

    [Fact]
    public async Task TheMemoryMetricsAdd_AfterAMinute_IsMeasured_AndWithPrometheusOff_ThereIsNoEndpoint()
    {
        // Side by side, so both see the same machine: one without metrics, one scraped every 5 s as Prometheus would.
        using GatewayProcess without = GatewayProcess.Start(_dataDir, environment: new Dictionary<string, string> { ["Metrics__Prometheus"] = "false" });
        using GatewayProcess with = GatewayProcess.Start(_otherDataDir);
        await Scrape.WaitForAsync(with, s => s.Has("edge_hx711_frames_total"), Deadline, "the first scrape");
        await without.WaitForHealthAsync((status, _) => status == 200, Deadline, "the gateway without metrics up");
        using (HttpResponseMessage none = await without.Http.GetAsync("/metrics"))
        {
            Assert.Equal(404, (int)none.StatusCode);
        }

        var minute = Stopwatch.StartNew();
        Scrape last = await Scrape.TakeAsync(with.Http);
        while (minute.Elapsed < TimeSpan.FromMinutes(1))
        {
            Assert.False(with.HasExited || without.HasExited, with.Output + without.Output);
            last = await Scrape.TakeAsync(with.Http);
            await Task.Delay(TimeSpan.FromSeconds(5));
        }

        long rssWithout = RssKb(without.Id);
        long rssWith = RssKb(with.Id);
        output.WriteLine($"VmRSS after a minute: Metrics:Prometheus=false {rssWithout / 1024.0:0.0} MiB, true {rssWith / 1024.0:0.0} MiB, added {(rssWith - rssWithout) / 1024.0:0.0} MiB; last scrape {last.Bytes} bytes in {last.Took.TotalMilliseconds:0.0} ms");
        // A regression guard, not the measurement: the two processes' heaps differ by a few MiB run to run.
        Assert.True(rssWith - rssWithout < 48 * 1024, $"metrics added {(rssWith - rssWithout) / 1024} MiB");
    }

    private static long RssKb(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
