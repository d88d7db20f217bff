using System.Text;

namespace Edge.Gateway.Tests.Deploy;

/// <summary>
/// deploy/balena/entrypoint.sh run by sh with a stub in place of edge-gateway: the stub records each call (its
/// arguments, its pid and its exact environment) and answers provision with the exit code the test chose.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // /proc, sh and the balena image are Linux
public sealed class EntrypointTests : IDisposable
{
    // One line per call: "<pid> <arg>|<arg>|...", and the call's environment as /proc/self/environ gives it.
    private const string Stub = """
        #!/bin/sh
        n=$(($(cat "$STUB_DIR/calls" 2>/dev/null | wc -l) + 1))
        cat /proc/$$/environ > "$STUB_DIR/env.$n"
        line="$$"
        for arg in "$@"; do line="$line $arg|"; done
        echo "$line" >> "$STUB_DIR/calls"
        if [ "$1" = provision ]; then
          if [ -n "${STUB_PROVISION_HANGS:-}" ]; then exec sleep 60; fi
          exit "${STUB_PROVISION_EXIT:-0}"
        fi
        exit 0
        """;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "edge-entrypoint-" + Guid.NewGuid().ToString("N"));
    private readonly string _dataDir;
    private readonly string _stubDir;
    private int _lastShellPid;

    public EntrypointTests()
    {
        _dataDir = Directory.CreateDirectory(Path.Combine(_root, "data")).FullName;
        _stubDir = Directory.CreateDirectory(Path.Combine(_root, "stub")).FullName;
        File.WriteAllText(StubPath, Stub.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(StubPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private string StubPath => Path.Combine(_root, "edge-gateway");

    private string TokenFile => Path.Combine(_dataDir, "admin-token.once");

    [Fact]
    public async Task BalenaVariables_ReachTheGatewayUnchanged_WithTheRunArguments()
    {
        var variables = new Dictionary<string, string>
        {
            ["Cloud__Mqtt__Host"] = "broker.example.net",
            ["Cloud__Mqtt__Password"] = "p@ss w0rd $HOME \"quoted\" \\ back`tick`;",
            ["Shelves__0__UnitWeightGrams"] = "545",
            ["Store__Id"] = "store-042",
            ["Gateway__Id"] = "gw-aisle-3",
            ["Beacons__ShopperUuid"] = "",
        };

        (int exit, _, _, List<Call> calls) = await RunAsync(variables, "--sim-shopper-rate", "0");

        Assert.Equal(0, exit);
        Call run = Assert.Single(calls);
        Assert.Equal(["run", "--sim-shopper-rate", "0"], run.Args);
        foreach (KeyValuePair<string, string> kv in variables)
        {
            Assert.True(run.Environment.TryGetValue(kv.Key, out string? value), $"{kv.Key} did not reach the gateway");
            Assert.Equal(kv.Value, value);
        }
    }

    [Fact]
    public async Task Run_ReplacesTheShell_SoBalenasStopSignalReachesTheGateway()
    {
        (_, _, _, List<Call> calls) = await RunAsync(new());

        Assert.Equal(calls.Single().Pid, _lastShellPid);
    }

    [Fact]
    public async Task FirstBoot_WithACloudMode_ProvisionsFromConfiguration_ThenRuns()
    {
        (int exit, string output, _, List<Call> calls) = await RunAsync(new() { ["Cloud__Mode"] = "Mqtt", ["Cloud__Mqtt__Host"] = "broker.example.net" });

        Assert.Equal(0, exit);
        Assert.Equal(2, calls.Count);
        Assert.Equal(["provision", "--from-config", "--admin-token-file", TokenFile], calls[0].Args);
        Assert.Equal("broker.example.net", calls[0].Environment["Cloud__Mqtt__Host"]); // provisioning reads the same keys
        Assert.Equal(["run"], calls[1].Args);
        Assert.Contains("provisioned", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExistingSecrets_SkipProvisioning()
    {
        File.WriteAllText(Path.Combine(_dataDir, "secrets.json"), "{}");

        (_, _, _, List<Call> calls) = await RunAsync(new() { ["Cloud__Mode"] = "IotHub" });

        Assert.Equal(["run"], Assert.Single(calls).Args);
    }

    [Fact]
    public async Task FailedProvisioning_IsOneLineOnStderr_AndTheGatewayStartsAnyway()
    {
        (int exit, _, string errors, List<Call> calls) = await RunAsync(new() { ["Cloud__Mode"] = "Mqtt", ["STUB_PROVISION_EXIT"] = "3" });

        Assert.Equal(0, exit);
        Assert.Equal(new[] { "provision", "run" }, calls.Select(c => c.Args[0]));
        string line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("provisioning failed (exit 3)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HangingProvisioning_IsStoppedAtTheTimeout_AndTheGatewayStarts()
    {
        var env = new Dictionary<string, string> { ["Cloud__Mode"] = "Mqtt", ["STUB_PROVISION_HANGS"] = "1", ["EDGE_GATEWAY_PROVISION_TIMEOUT"] = "1" };

        (int exit, _, string errors, List<Call> calls) = await RunAsync(env);

        Assert.Equal(0, exit);
        Assert.Equal(new[] { "provision", "run" }, calls.Select(c => c.Args[0]));
        Assert.Contains("provisioning failed (exit 124)", errors, StringComparison.Ordinal); // timeout's exit status
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("None")]
    [InlineData("none")]
    public async Task NoCloudMode_SkipsProvisioning(string? mode)
    {
        var env = new Dictionary<string, string>();
        if (mode is not null)
        {
            env["Cloud__Mode"] = mode;
        }

        (_, _, _, List<Call> calls) = await RunAsync(env);

        Assert.Equal(["run"], Assert.Single(calls).Args);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private async Task<(int Exit, string Out, string Err, List<Call> Calls)> RunAsync(Dictionary<string, string> variables, params string[] args)
    {
        var env = new Dictionary<string, string>(variables)
        {
            ["EDGE_GATEWAY_BIN"] = StubPath,
            ["Gateway__DataDir"] = _dataDir,
            ["STUB_DIR"] = _stubDir,
        };

        var info = new System.Diagnostics.ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(DeployFiles.BalenaFile("entrypoint.sh"));
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (KeyValuePair<string, string> kv in env)
        {
            info.Environment[kv.Key] = kv.Value;
        }

        using System.Diagnostics.Process p = System.Diagnostics.Process.Start(info)!;
        _lastShellPid = p.Id;
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (p.ExitCode, await output, await error, ReadCalls());
    }

    private List<Call> ReadCalls()
    {
        string calls = Path.Combine(_stubDir, "calls");
        if (!File.Exists(calls))
        {
            return [];
        }

        return File.ReadAllLines(calls).Select((line, i) =>
        {
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            int pid = int.Parse(space < 0 ? line : line[..space], System.Globalization.CultureInfo.InvariantCulture);
            List<string> argv = space < 0 ? [] : line[(space + 1)..].TrimEnd('|').Split("| ").ToList();
            byte[] environ = File.ReadAllBytes(Path.Combine(_stubDir, $"env.{i + 1}"));
            Dictionary<string, string> environment = Encoding.UTF8.GetString(environ).Split('\0', StringSplitOptions.RemoveEmptyEntries)
                .Select(kv => kv.Split('=', 2))
                .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");
            return new Call(pid, argv, environment);
        }).ToList();
    }

    private sealed record Call(int Pid, List<string> Args, Dictionary<string, string> Environment);
}
