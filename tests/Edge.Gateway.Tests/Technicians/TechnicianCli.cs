using System.Diagnostics;
using System.Text.Json.Nodes;
using Edge.Gateway.Tests.EndToEnd;

namespace Edge.Gateway.Tests.Technicians;

/// <summary>One run of the real <c>edge-gateway</c>: what it was given and what it printed.</summary>
internal sealed record CliRun(IReadOnlyList<string> Args, int Exit, string Out, string Err)
{
    public bool Json => Args.Contains("--json");

    /// <summary>stdout as the single JSON object a <c>--json</c> run must print.</summary>
    public JsonObject JsonOut()
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(Out);
        }
        catch (System.Text.Json.JsonException ex)
        {
            Assert.Fail($"stdout is not JSON ({ex.Message}): {this}");
            throw;
        }

        return Assert.IsType<JsonObject>(node);
    }

    public override string ToString() => $"edge-gateway {string.Join(' ', Args)} → exit {Exit}\n--- stdout\n{Out}--- stderr\n{Err}";
}

/// <summary>
/// Runs the real executable as a technician would (<c>dotnet edge-gateway.dll …</c>) with an environment the test
/// controls: the runner's own EDGE_*, Gateway__*, Cloud__* and Store__* variables are removed first, so a developer's
/// shell cannot change what a test sees. Every run is recorded in the <see cref="SecretLedger"/>.
/// </summary>
internal sealed class TechnicianCli(SecretLedger ledger)
{
    /// <summary>A verb that takes longer than this is a failure in itself: the probe's own budget is 20 s.</summary>
    private static readonly TimeSpan RunDeadline = TimeSpan.FromSeconds(30);

    private static readonly string[] Scrubbed = ["EDGE_", "Gateway__", "Cloud__", "Store__", "STATE_DIRECTORY"];

    /// <summary>The ids SecuredMosquitto's ACL is written for (topics under retail/s1/g1).</summary>
    public static readonly Dictionary<string, string?> BrokerIds = new() { ["Store__Id"] = "s1", ["Gateway__Id"] = "g1" };

    public SecretLedger Ledger => ledger;

    public Task<CliRun> RunAsync(params string[] args) => RunAsync(BrokerIds, args);

    public async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        info.ArgumentList.Add(GatewayProcess.GatewayDll());
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (string key in info.Environment.Keys.Where(k => Scrubbed.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach ((string key, string? value) in environment)
        {
            info.Environment[key] = value;
        }

        using Process p = Process.Start(info)!;
        p.StandardInput.Close();
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> error = p.StandardError.ReadToEndAsync();
        try
        {
            await p.WaitForExitAsync().WaitAsync(RunDeadline);
        }
        catch (TimeoutException)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"edge-gateway {string.Join(' ', args)} did not exit within {RunDeadline}");
        }

        var run = new CliRun(args, p.ExitCode, await output, await error);
        ledger.Record(run);
        return run;
    }
}

/// <summary>A temporary directory for one test, removed with everything in it.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("edge-technicians-").FullName;

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);

    /// <summary>The file's mode bits; the modes under test (0600) are a Unix promise, and the gateway runs on Linux.</summary>
    public static UnixFileMode ModeOf(string path) =>
        OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException("file modes are checked on Linux") : File.GetUnixFileMode(path);

    /// <summary>Every file under <paramref name="dir"/> with its bytes, to prove a failed verb wrote nothing.</summary>
    public static SortedDictionary<string, string> Snapshot(string dir) =>
        !Directory.Exists(dir) ? [] : new(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => System.IO.Path.GetRelativePath(dir, f), f => Convert.ToBase64String(File.ReadAllBytes(f))), StringComparer.Ordinal);
}
