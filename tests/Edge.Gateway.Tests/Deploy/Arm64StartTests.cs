using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace Edge.Gateway.Tests.Deploy;

/// <summary>
/// The gateway as the balena image builds it for a Pi (self-contained, linux-arm64), started under qemu-user on
/// the arm64 libraries of this Debian release, must answer /healthz. It fails, never skips, when qemu or the arm64
/// libraries are missing: test.sh installs them.
/// </summary>
public sealed class Arm64StartTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan PublishDeadline = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan HealthDeadline = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private const int CannotListen = 3; // the gateway's exit code when its URLs cannot be bound

    // What a self-contained .NET app loads from the OS (ICU is not among them: invariant globalization).
    private static readonly string[] Arm64Libraries =
    [
        "/lib/ld-linux-aarch64.so.1",
        "/usr/lib/aarch64-linux-gnu/libc.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libgcc_s.so.1",
        "/usr/lib/aarch64-linux-gnu/libssl.so.3",
    ];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "edge-arm64-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task SelfContainedArm64Publish_StartsUnderQemu_AndAnswersHealthz()
    {
        string qemu = FindOnPath("qemu-aarch64-static")
            ?? throw new Xunit.Sdk.XunitException("qemu-aarch64-static is not installed (Debian package qemu-user-static; test.sh installs it)");
        string[] missing = Arm64Libraries.Where(l => !File.Exists(l)).ToArray();
        Assert.True(missing.Length == 0, "arm64 libraries missing (dpkg --add-architecture arm64; apt-get install libc6:arm64 libstdc++6:arm64 libssl3:arm64; test.sh does): " + string.Join(", ", missing));

        // Arrange: publish from a copy of the sources, so that the solution's own obj/ and bin/ are never touched.
        string sources = CopySources(Path.Combine(_root, "src-copy"));
        string published = Path.Combine(_root, "published");
        var publishClock = Stopwatch.StartNew();
        (int publishExit, string publishOut, string publishErr) = await DeployFiles.RunAsync("dotnet",
            ["publish", "src/Edge.Gateway", "-c", "Release", "-r", "linux-arm64", "--self-contained", "-o", published, "--nologo", "-nodeReuse:false"],
            BuildEnvironment(), PublishDeadline, workingDirectory: sources);
        publishClock.Stop();
        Assert.True(publishExit == 0, $"dotnet publish -r linux-arm64 failed ({publishExit}):\n{publishOut}\n{publishErr}");
        string executable = Path.Combine(published, "edge-gateway");
        Assert.True(IsAarch64Elf(executable), $"{executable} is not an aarch64 ELF executable");
        (long bytes, int files) = SizeOf(published);

        // Act: start it under qemu and poll /healthz until 200 or the deadline. The free port can be taken by another
        // process before the gateway binds it (exit 3, CannotListen): then it starts again on another port.
        Process? gateway = null;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var startClock = Stopwatch.StartNew();
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                stdout.Clear();
                stderr.Clear();
                startClock.Restart();
                int port = EndToEnd.GatewayProcess.FreePort();
                gateway = StartUnderQemu(qemu, executable, port, Directory.CreateDirectory(Path.Combine(_root, $"data-{attempt}")).FullName, stdout, stderr);
                if (await WaitForHealthyAsync(gateway, port, stdout, stderr))
                {
                    break;
                }

                Assert.True(attempt < 3, $"three ports were taken before the gateway could bind them\nstderr:\n{Read(stderr)}");
                gateway.Dispose();
            }

            TimeSpan toHealthy = startClock.Elapsed;

            // Assert: it stops as balena stops it (SIGTERM), cleanly.
            var stopClock = Stopwatch.StartNew();
            using (Process term = Process.Start("kill", ["-TERM", gateway.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            await gateway.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(gateway.ExitCode == 0, $"exit {gateway.ExitCode} after SIGTERM\nstderr:\n{Read(stderr)}");

            string report = string.Create(CultureInfo.InvariantCulture,
                $"linux-arm64 self-contained publish: {publishClock.Elapsed.TotalSeconds:F1} s; published folder: {bytes / 1048576.0:F1} MiB in {files} files; " +
                $"first 200 on /healthz under qemu-aarch64: {toHealthy.TotalSeconds:F1} s; exit after SIGTERM: {stopClock.Elapsed.TotalSeconds:F1} s");
            output.WriteLine(report);
            string artifacts = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;
            File.WriteAllText(Path.Combine(artifacts, "arm64-start.txt"), report + "\n");
        }
        finally
        {
            if (gateway is { HasExited: false })
            {
                gateway.Kill(entireProcessTree: true);
                gateway.WaitForExit();
            }

            gateway?.Dispose();
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static Process StartUnderQemu(string qemu, string executable, int port, string dataDir, StringBuilder stdout, StringBuilder stderr)
    {
        var info = new ProcessStartInfo(qemu) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (string[])["-L", "/", executable, "run", "--simulate", "--urls", $"http://127.0.0.1:{port}", "--data-dir", dataDir])
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["Logging__Console__FormatterName"] = "simple";
        Process gateway = Process.Start(info)!;
        gateway.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        gateway.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        gateway.BeginOutputReadLine();
        gateway.BeginErrorReadLine();
        return gateway;
    }

    /// <summary>True at the first 200 on /healthz, false when the gateway could not bind its port; fails on any other end.</summary>
    private static async Task<bool> WaitForHealthyAsync(Process gateway, int port, StringBuilder stdout, StringBuilder stderr)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        var clock = Stopwatch.StartNew();
        int? last = null;
        while (last != 200)
        {
            if (gateway.HasExited)
            {
                gateway.WaitForExit(); // the last lines of output
                if (gateway.ExitCode == CannotListen)
                {
                    return false;
                }

                Assert.Fail($"the arm64 gateway exited with {gateway.ExitCode} before /healthz answered 200\nstderr:\n{Read(stderr)}\nstdout:\n{Read(stdout)}");
            }

            Assert.True(clock.Elapsed < HealthDeadline, $"no 200 on /healthz within {HealthDeadline} (last: {last?.ToString(CultureInfo.InvariantCulture) ?? "no answer"})\nstderr:\n{Read(stderr)}\nstdout:\n{Read(stdout)}");
            last = await StatusAsync(http);
            if (last != 200)
            {
                await Task.Delay(PollInterval);
            }
        }

        return true;
    }

    /// <summary>src/ (without build output), global.json and the Directory.*.props: what the image's build stage copies.</summary>
    private static string CopySources(string target)
    {
        string root = DeployFiles.RepoRoot;
        foreach (string file in (string[])["global.json", "Directory.Build.props", "Directory.Packages.props"])
        {
            Directory.CreateDirectory(target);
            File.Copy(Path.Combine(root, file), Path.Combine(target, file));
        }

        CopyTree(Path.Combine(root, "src"), Path.Combine(target, "src"));
        return target;
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (string dir in Directory.EnumerateDirectories(from))
        {
            string name = Path.GetFileName(dir);
            if (name is not ("bin" or "obj"))
            {
                CopyTree(dir, Path.Combine(to, name));
            }
        }
    }

    /// <summary>The test host's environment without what dotnet test sets for its own MSBuild, which would steer the child build.</summary>
    private static Dictionary<string, string> BuildEnvironment()
    {
        var env = new Dictionary<string, string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            string key = (string)e.Key;
            if (!key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) && !key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) && key != "DOTNET_HOST_PATH")
            {
                env[key] = (string?)e.Value ?? "";
            }
        }

        env["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        env["DOTNET_NOLOGO"] = "1";
        return env;
    }

    private static async Task<int?> StatusAsync(HttpClient http)
    {
        try
        {
            using HttpResponseMessage response = await http.GetAsync("/healthz");
            return (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static bool IsAarch64Elf(string path)
    {
        Span<byte> header = stackalloc byte[20];
        using FileStream f = File.OpenRead(path);
        f.ReadExactly(header);
        return header[..4].SequenceEqual("\u007fELF"u8) && BitConverter.ToUInt16(header[18..20]) == 183; // e_machine EM_AARCH64
    }

    private static (long Bytes, int Files) SizeOf(string dir)
    {
        FileInfo[] files = new DirectoryInfo(dir).GetFiles("*", SearchOption.AllDirectories);
        return (files.Sum(f => f.Length), files.Length);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin").Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static void Append(StringBuilder sb, string? line)
    {
        if (line is not null)
        {
            lock (sb)
            {
                sb.AppendLine(line);
            }
        }
    }

    private static string Read(StringBuilder sb)
    {
        lock (sb)
        {
            return sb.ToString();
        }
    }
}
