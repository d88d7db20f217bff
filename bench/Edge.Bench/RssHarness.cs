using System.Diagnostics;
using System.Globalization;

namespace Edge.Bench;

/// <summary>
/// Resident memory of the published gateway on a busy simulated store against an empty ASP.NET Core app
/// (bench/EmptyApp) started at the same moment on the same machine, sampled every second from /proc for both.
/// </summary>
internal static class RssHarness
{
    /// <summary>Arguments: [minutes] [actionsPerMinute] [KEY=VALUE ...], by default 30 and 600; KEY=VALUE goes to the gateway's environment only (a knob trial).</summary>
    public static async Task RunAsync(string[] args)
    {
        int minutes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
        int actions = args.Length > 1 && !args[1].Contains('=', StringComparison.Ordinal) ? int.Parse(args[1], CultureInfo.InvariantCulture) : 600;
        Dictionary<string, string> env = GatewayEnvironment(args);
        string gatewayExe = BenchProcess.Publish("src/Edge.Gateway", "gateway", "edge-gateway");
        string emptyExe = BenchProcess.Publish("bench/EmptyApp", "empty", "EmptyApp");
        string data = Directory.CreateTempSubdirectory("edge-rss-").FullName;
        (int gatewayPort, int emptyPort) = (BenchProcess.FreePort(), BenchProcess.FreePort());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        Console.WriteLine($"rss: {minutes} min; gateway (published self-contained Release, its own runtimeconfig{Describe(env)}) on the simulated store, "
            + $"{actions} shopper actions/min; peer: empty ASP.NET Core app (bench/EmptyApp, template defaults: server GC, ICU), idle; started together; load {BenchProcess.LoadAverage()}");
        using Process gateway = BenchProcess.Start(gatewayExe, BenchProcess.GatewayArgs(data, gatewayPort, actions), env);
        using Process empty = BenchProcess.Start(emptyExe, ["--urls", $"http://127.0.0.1:{emptyPort}"], new Dictionary<string, string>());
        try
        {
            await BenchProcess.WaitForHealthyAsync(http, gateway, gatewayPort);
            await BenchProcess.WaitForHealthyAsync(http, empty, emptyPort);
            Console.WriteLine("  min  gateway MiB (anon/file/shmem)    empty MiB (anon/file/shmem)  ratio  load");
            int warm = Math.Min(5, Math.Max(1, minutes / 2)); // a short trial run still gets a spread
            var fromWarm = new List<(double Gateway, double Empty)>();
            var clock = Stopwatch.StartNew();
            TimeSpan cpuStart = gateway.TotalProcessorTime;
            for (int second = 1; second <= minutes * 60; second++)
            {
                await Task.Delay(TimeSpan.FromSeconds(second) - clock.Elapsed is { Ticks: > 0 } wait ? wait : TimeSpan.Zero);
                if (gateway.HasExited || empty.HasExited)
                {
                    throw new InvalidOperationException($"{(gateway.HasExited ? "the gateway" : "the empty app")} exited");
                }

                Sample g = Sample.Of(gateway.Id), e = Sample.Of(empty.Id);
                if (second >= warm * 60)
                {
                    fromWarm.Add((g.Rss, e.Rss));
                }

                if (second % 60 == 0 && (second == 60 || second / 60 % 5 == 0 || second == minutes * 60 || second / 60 == warm))
                {
                    Console.WriteLine($"  {second / 60,3}  {g}  {e}  {g.Rss / e.Rss,5:F2}  {BenchProcess.LoadAverage()}");
                }
            }

            gateway.Refresh();
            double cpu = (gateway.TotalProcessorTime - cpuStart).TotalSeconds / clock.Elapsed.TotalSeconds * 100;
            (double gMin, double gMax) = (fromWarm.Min(s => s.Gateway), fromWarm.Max(s => s.Gateway));
            (double eMin, double eMax) = (fromWarm.Min(s => s.Empty), fromWarm.Max(s => s.Empty));
            (double gMean, double eMean) = (fromWarm.Average(s => s.Gateway), fromWarm.Average(s => s.Empty));
            Console.WriteLine($"from minute {warm} to {minutes}: gateway {gMin:F1}-{gMax:F1} MiB (spread {gMax - gMin:F1} MiB, goal <= 5), mean {gMean:F1}; "
                + $"empty app {eMin:F1}-{eMax:F1} MiB, mean {eMean:F1}; ratio of means {gMean / eMean:F2} (goal <= 1.2)");
            Console.WriteLine($"gateway peak (VmHWM) {BenchProcess.ReadKb(gateway.Id, "VmHWM:") / 1024.0:F1} MiB; CPU {cpu:F1} % of one core; load {BenchProcess.LoadAverage()}");
        }
        finally
        {
            BenchProcess.Stop(gateway);
            BenchProcess.Stop(empty);
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>The KEY=VALUE arguments: environment variables for the gateway alone.</summary>
    public static Dictionary<string, string> GatewayEnvironment(string[] args) =>
        args.Where(a => a.Contains('=', StringComparison.Ordinal)).Select(a => a.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);

    public static string Describe(Dictionary<string, string> env) =>
        env.Count == 0 ? "" : ", environment " + string.Join(" ", env.Select(kv => $"{kv.Key}={kv.Value}"));

    /// <summary>VmRSS and its parts (anonymous, file-backed: mapped assemblies, shared memory: the JIT's W^X double mapping), MiB.</summary>
    private readonly record struct Sample(double Rss, double Anon, double File, double Shmem)
    {
        public static Sample Of(int pid) =>
            new(Mib(pid, "VmRSS:"), Mib(pid, "RssAnon:"), Mib(pid, "RssFile:"), Mib(pid, "RssShmem:"));

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Rss,9:F1} ({Anon,5:F1}/{File,5:F1}/{Shmem,5:F1})");

        private static double Mib(int pid, string key) => BenchProcess.ReadKb(pid, key) / 1024.0;
    }
}
