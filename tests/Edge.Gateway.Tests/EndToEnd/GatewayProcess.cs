using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net;
using System.Text.Json;
using System.Text;

namespace Edge.Gateway.Tests.EndToEnd;

/// <summary>The real <c>edge-gateway</c> process, started from its build output, for crash and restart tests.</summary>
internal sealed class GatewayProcess : IDisposable
{
    public static readonly TimeSpan StartupDeadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();

    private GatewayProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            Append(e.Data);
            if (e.Data is not null)
            {
                lock (_errors)
                {
                    _errors.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public HttpClient Http { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>What the process wrote on stderr alone.</summary>
    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The process id (for <c>/proc/{id}/status</c>).</summary>
    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>Path of the built gateway, in the same configuration as the tests.</summary>
    public static string GatewayDll()
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = bin.Name;
        string configuration = bin.Parent!.Name;
        DirectoryInfo? root = bin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Edge.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        string dll = Path.Combine(root.FullName, "src", "Edge.Gateway", "bin", configuration, framework, "edge-gateway.dll");
        Assert.True(File.Exists(dll), $"build the gateway first: {dll} is missing");
        return dll;
    }

    public static GatewayProcess Start(string dataDir, IEnumerable<string>? extraArgs = null, IDictionary<string, string>? environment = null, string? gatewayDll = null, string? urls = null)
    {
        int port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(gatewayDll ?? GatewayDll());
        foreach (string arg in (string[])["run", "--simulate", "--data-dir", dataDir, "--urls", urls ?? $"http://127.0.0.1:{port}", .. extraArgs ?? ["--sim-shopper-rate", "0"]])
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (KeyValuePair<string, string> kv in environment ?? new Dictionary<string, string>())
        {
            info.Environment[kv.Key] = kv.Value;
        }

        return new GatewayProcess(Process.Start(info)!, port);
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush, as a power cut looks to the process.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, as systemd or balena stop a service; returns how long the process took to exit.</summary>
    public async Task<TimeSpan> TerminateAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using (Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await WaitForExitAsync(timeout);
        return clock.Elapsed;
    }

    /// <summary><c>GET /healthz</c>: the status code and the body, or null while the gateway does not answer.</summary>
    public async Task<(int Status, JsonElement Body)?> HealthAsync()
    {
        try
        {
            using HttpResponseMessage response = await Http.GetAsync("/healthz");
            return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Polls <c>/healthz</c> until <paramref name="condition"/> holds, or fails with the process output.</summary>
    public async Task<JsonElement> WaitForHealthAsync(Func<int, JsonElement, bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        (int Status, JsonElement Body)? last = null;
        while (clock.Elapsed < timeout)
        {
            Assert.False(_process.HasExited, $"gateway exited with {(_process.HasExited ? _process.ExitCode : 0)} while waiting for {what}:\n{Output}");
            last = await HealthAsync();
            if (last is { } h && condition(h.Status, h.Body))
            {
                return h.Body;
            }

            await Task.Delay(PollInterval);
        }

        Assert.Fail($"timed out after {timeout} waiting for {what}; last health: {last?.Status} {(last is { } l ? l.Body.GetRawText() : "none")}\n{Output}");
        return default;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async Task<List<JsonElement>> StockAsync()
    {
        List<JsonElement>? rows = await Http.GetFromJsonAsync<List<JsonElement>>("/api/stock");
        return rows!;
    }

    /// <summary>Polls until <paramref name="condition"/> holds for the stock, or fails with the process output.</summary>
    public async Task<List<JsonElement>> WaitForStockAsync(Func<List<JsonElement>, bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        List<JsonElement>? last = null;
        while (clock.Elapsed < timeout)
        {
            Assert.False(_process.HasExited, $"gateway exited with {(_process.HasExited ? _process.ExitCode : 0)} while waiting for {what}:\n{Output}");
            try
            {
                last = await StockAsync();
                if (condition(last))
                {
                    return last;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(PollInterval);
        }

        Assert.Fail($"timed out after {timeout} waiting for {what}; last stock: {JsonSerializer.Serialize(last)}\n{Output}");
        return null!;
    }

    public static int? CountOf(List<JsonElement> stock, string shelfId)
    {
        JsonElement row = stock.Single(r => r.GetProperty("shelfId").GetString() == shelfId);
        JsonElement count = row.GetProperty("count");
        return count.ValueKind == JsonValueKind.Null ? null : count.GetInt32();
    }

    public static string StatusOf(List<JsonElement> stock, string shelfId) =>
        stock.Single(r => r.GetProperty("shelfId").GetString() == shelfId).GetProperty("status").GetString()!;

    public void Dispose()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
