using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Edge.Bench;

/// <summary>What the process-level harnesses share: the built gateway, free ports, and a process's memory figures.</summary>
internal static class BenchProcess
{
    /// <summary>The Release build of the gateway (build it first: <c>dotnet build -c Release Edge.sln</c>).</summary>
    public static string FindGateway()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Edge.sln")))
        {
            dir = dir.Parent;
        }

        string dll = Path.Combine(dir!.FullName, "src", "Edge.Gateway", "bin", "Release", "net10.0", "edge-gateway.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the gateway in Release first: dotnet build -c Release src/Edge.Gateway", dll);
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
