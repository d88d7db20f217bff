using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Edge.Cloud.Tests.Brokers;

/// <summary>A real Mosquitto broker on a free loopback port, started from the Debian package (test.sh installs it).</summary>
public sealed class Mosquitto : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-mosquitto-").FullName;
    private Process? _process;

    public Mosquitto(int? port = null)
    {
        Port = port ?? FreePort();
        File.WriteAllText(Path.Combine(_dir, "mosquitto.conf"),
            $"listener {Port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 200000\nmax_inflight_messages 0\nlog_dest stderr\nlog_type error\n");
        Start();
    }

    /// <summary>A broker with the caller's configuration (a TLS listener, a password file, an ACL); it must open a listener on <paramref name="port"/>.</summary>
    public Mosquitto(int port, string config)
    {
        Port = port;
        File.WriteAllText(Path.Combine(_dir, "mosquitto.conf"), config);
        Start();
    }

    public int Port { get; }

    public static string Executable =>
        new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("mosquitto is not installed: run ./test.sh, which installs it (apt-get install mosquitto)");

    public void Start()
    {
        var info = new ProcessStartInfo(Executable) { RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Path.Combine(_dir, "mosquitto.conf"));
        _process = Process.Start(info)!;
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            Assert.False(_process.HasExited, $"mosquitto exited with {(_process.HasExited ? _process.ExitCode : 0)}");
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Yield();
            }
        }

        Assert.Fail($"mosquitto did not listen on {Port} within 20 s");
    }

    /// <summary>Kills the broker (SIGKILL): clients see the connection drop without a DISCONNECT.</summary>
    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Stop();
        _process?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
