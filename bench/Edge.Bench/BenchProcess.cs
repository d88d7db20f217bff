using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Edge.Bench;

/// <summary>What the process-level harnesses share: the built gateway, free ports, and a process's memory figures.</summary>
internal static class BenchProcess
{
    /// <summary>The Release build of the gateway (build it first: <c>dotnet build -c Release Edge.sln</c>).</summary>
    public static string FindGateway()
    {
        string dll = Path.Combine(RepositoryRoot(), "src", "Edge.Gateway", "bin", "Release", "net10.0", "edge-gateway.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the gateway in Release first: dotnet build -c Release src/Edge.Gateway", dll);
    }

    /// <summary>The folder holding <c>Edge.sln</c>.</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Edge.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("Edge.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// Publishes a project as the balena image does (Release, self-contained, for this machine's runtime identifier)
    /// into <c>bench/Edge.Bench/bin/published/{name}</c> and returns its executable. Publishing again after no change is quick.
    /// </summary>
    public static string Publish(string project, string name, string executable)
    {
        string root = RepositoryRoot();
        string output = Path.Combine(root, "bench", "Edge.Bench", "bin", "published", name);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (string a in (string[])["publish", project, "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier, "--self-contained", "-o", output, "--nologo", "-v", "q"])
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(), stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return p.ExitCode == 0 ? Path.Combine(output, executable)
            : throw new InvalidOperationException($"dotnet publish {project} failed ({p.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
    }

    /// <summary>The gateway published, its arguments for the simulated store on <paramref name="port"/> with a fresh data directory.</summary>
    public static string[] GatewayArgs(string dataDir, int port, int actionsPerMinute) =>
        ["run", "--simulate", "--data-dir", dataDir, "--urls", $"http://127.0.0.1:{port}", "--sim-shopper-rate", actionsPerMinute.ToString(CultureInfo.InvariantCulture)];

    /// <summary>Starts an executable with its output drained (a full pipe would stall it).</summary>
    public static Process Start(string executable, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach ((string key, string value) in environment)
        {
            info.Environment[key] = value;
        }

        Process p = Process.Start(info)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>Polls <c>/healthz</c> every 5 ms until it answers 200; throws when the process exits or after 60 s.</summary>
    public static async Task WaitForHealthyAsync(HttpClient http, Process process, int port)
    {
        var uri = new Uri($"http://127.0.0.1:{port}/healthz");
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(60);)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.StartInfo.FileName} exited with {process.ExitCode} before /healthz answered");
            }

            try
            {
                using HttpResponseMessage r = await http.GetAsync(uri);
                if (r.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(5);
        }

        throw new TimeoutException($"{process.StartInfo.FileName}: no 200 on /healthz within 60 s");
    }

    /// <summary>Kills a process (and its children) and waits for it.</summary>
    public static void Stop(Process p)
    {
        if (!p.HasExited)
        {
            p.Kill(entireProcessTree: true);
        }

        p.WaitForExit();
    }

    /// <summary>A loopback port free right now.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>A <c>/proc/{pid}/status</c> figure in KiB (<c>VmRSS:</c>, <c>VmHWM:</c>), 0 when absent.</summary>
    public static long ReadKb(int pid, string key) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith(key, StringComparison.Ordinal))
            .Select(l => long.Parse(l[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)).FirstOrDefault();

    /// <summary>The 1-, 5- and 15-minute load averages, as <c>uptime</c> prints them.</summary>
    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
