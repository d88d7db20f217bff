using System.Diagnostics;
using System.Globalization;

namespace Edge.Bench;

/// <summary>
/// Start-up of the published gateway against an empty ASP.NET Core app (bench/EmptyApp): process start to the first
/// 200 on <c>/healthz</c>, runs interleaved (gateway, app, app, gateway, ...) so that both see the same machine load.
/// </summary>
internal static class StartupHarness
{
    /// <summary>Arguments: [runs] [KEY=VALUE ...], by default 10 runs of each; KEY=VALUE goes to the gateway's environment only.</summary>
    public static async Task RunAsync(string[] args)
    {
        int runs = args.Length > 0 && !args[0].Contains('=', StringComparison.Ordinal) ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        Dictionary<string, string> env = RssHarness.GatewayEnvironment(args);
        string gatewayExe = BenchProcess.Publish("src/Edge.Gateway", "gateway", "edge-gateway");
        string emptyExe = BenchProcess.Publish("bench/EmptyApp", "empty", "EmptyApp");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        Console.WriteLine($"startup: {runs} runs each, interleaved; gateway (published self-contained Release, its own runtimeconfig{RssHarness.Describe(env)}) "
            + $"on the simulated store, fresh data directory each run; peer: empty ASP.NET Core app (bench/EmptyApp, template defaults); load {BenchProcess.LoadAverage()}");

        // One untimed start of each first: the published files into the page cache, as on a device that has booted before.
        await TimeAsync(http, gatewayExe, env, gateway: true);
        await TimeAsync(http, emptyExe, env, gateway: false);
        var gateway = new List<double>();
        var empty = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            bool gatewayFirst = i % 2 == 0;
            (gatewayFirst ? gateway : empty).Add(await TimeAsync(http, gatewayFirst ? gatewayExe : emptyExe, env, gatewayFirst));
            (gatewayFirst ? empty : gateway).Add(await TimeAsync(http, gatewayFirst ? emptyExe : gatewayExe, env, !gatewayFirst));
        }

        (double g, double e) = (Median(gateway), Median(empty));
        Console.WriteLine($"  gateway:   median {g:F0} ms, min {gateway.Min():F0}, max {gateway.Max():F0} ({string.Join(" ", gateway.Select(ms => ms.ToString("F0", CultureInfo.InvariantCulture)))})");
        Console.WriteLine($"  empty app: median {e:F0} ms, min {empty.Min():F0}, max {empty.Max():F0} ({string.Join(" ", empty.Select(ms => ms.ToString("F0", CultureInfo.InvariantCulture)))})");
        Console.WriteLine($"  ratio of medians {g / e:F2} (goal <= 1.2); load {BenchProcess.LoadAverage()}");
    }

    private static async Task<double> TimeAsync(HttpClient http, string exe, Dictionary<string, string> env, bool gateway)
    {
        string data = Directory.CreateTempSubdirectory("edge-startup-").FullName;
        int port = BenchProcess.FreePort();
        var clock = Stopwatch.StartNew();
        using Process p = gateway
            ? BenchProcess.Start(exe, BenchProcess.GatewayArgs(data, port, 600), env)
            : BenchProcess.Start(exe, ["--urls", $"http://127.0.0.1:{port}"], new Dictionary<string, string>());
        try
        {
            await BenchProcess.WaitForHealthyAsync(http, p, port);
            return clock.Elapsed.TotalMilliseconds;
        }
        finally
        {
            BenchProcess.Stop(p);
            Directory.Delete(data, recursive: true);
        }
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
