using System.Diagnostics;

namespace Edge.Bench;

/// <summary>Runs the real gateway (Release build) on the simulated store with shoppers and samples its memory.</summary>
internal static class RssHarness
{
    public static void Run(int seconds)
    {
        string dll = BenchProcess.FindGateway();
        string data = Directory.CreateTempSubdirectory("edge-rss-").FullName;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { dll, "run", "--simulate", "--data-dir", data, "--urls", "http://127.0.0.1:0", "--sim-shopper-rate", "30" })
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        long peak = 0;
        long last = 0;
        TimeSpan cpuStart = TimeSpan.Zero;
        var wall = Stopwatch.StartNew();
        for (int s = 0; s < seconds && !p.HasExited; s++)
        {
            Thread.Sleep(1000);
            p.Refresh();
            last = BenchProcess.ReadKb(p.Id, "VmRSS:");
            peak = Math.Max(peak, BenchProcess.ReadKb(p.Id, "VmHWM:"));
            if (s == 9)
            {
                cpuStart = p.TotalProcessorTime;
                wall.Restart();
            }
        }

        p.Refresh();
        double cpu = (p.TotalProcessorTime - cpuStart).TotalSeconds / wall.Elapsed.TotalSeconds * 100;
        p.Kill(entireProcessTree: true);
        p.WaitForExit();
        Directory.Delete(data, recursive: true);
        Console.WriteLine($"gateway on the simulated store (12 shelves at 10 SPS, 30 shopper actions/min), {seconds} s:");
        Console.WriteLine($"  RSS {last / 1024.0:F1} MiB at the end, peak {peak / 1024.0:F1} MiB; CPU {cpu:F1} % of one core after warm-up");
    }
}
