using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Edge.Gateway.Tests.EndToEnd;

namespace Edge.Gateway.Tests.Admin;

/// <summary>One run of the real <c>edge-gateway</c> CLI, its stderr readable while it runs (a guided calibration prompts step by step).</summary>
internal sealed class CliSession : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly ConcurrentQueue<string> _err = new();

    private CliSession(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_out)
                {
                    _out.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _err.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close(); // not a terminal: no prompts for Enter
    }

    public string Out
    {
        get
        {
            lock (_out)
            {
                return _out.ToString();
            }
        }
    }

    public string Err => string.Join('\n', _err);

    public static CliSession Start(IDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add(GatewayProcess.GatewayDll());
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment.Remove("EDGE_ADMIN_TOKEN");
        foreach (KeyValuePair<string, string> kv in environment ?? new Dictionary<string, string>())
        {
            info.Environment[kv.Key] = kv.Value;
        }

        return new CliSession(Process.Start(info)!);
    }

    /// <summary>Runs to the end: exit code, stdout, stderr.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(IDictionary<string, string>? environment, params string[] args)
    {
        using CliSession cli = Start(environment, args);
        int exit = await cli.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exit, cli.Out, cli.Err);
    }

    /// <summary>Waits until a line of stderr contains <paramref name="text"/>.</summary>
    public async Task WaitForErrAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_err.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                return;
            }

            if (_process.HasExited && _err.All(l => !l.Contains(text, StringComparison.Ordinal)))
            {
                _process.WaitForExit();
                Assert.Fail($"the CLI exited ({_process.ExitCode}) before saying '{text}':\n{Err}\n{Out}");
            }

            await Task.Delay(50);
        }

        Assert.Fail($"the CLI did not say '{text}' within {timeout}:\n{Err}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"the CLI did not finish within {timeout}:\n{Err}\n{Out}");
        }

        _process.WaitForExit(); // the output events have all arrived
        return _process.ExitCode;
    }

    public void Dispose() => _process.Dispose();
}
