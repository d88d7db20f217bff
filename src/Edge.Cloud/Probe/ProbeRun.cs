using System.Diagnostics;
using System.Globalization;

namespace Edge.Cloud.Probe;

/// <summary>
/// One probe in progress: the whole probe's deadline, the stages recorded so far, and the secrets that must never
/// reach a detail (replaced by <c>***</c> whatever a library put into an exception message).
/// </summary>
internal sealed class ProbeRun : IDisposable
{
    private readonly CancellationTokenSource _budget;
    private readonly CancellationTokenSource _linked;
    private readonly CancellationToken _caller;
    private readonly List<StageResult> _stages = [];
    private readonly List<string> _secrets = [];

    public ProbeRun(TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        Timeout = timeout;
        _caller = cancellationToken;
        _budget = new CancellationTokenSource(timeout);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _budget.Token);
    }

    /// <summary>The probe's whole time budget.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Cancelled when the budget runs out or the caller cancels.</summary>
    public CancellationToken Token => _linked.Token;

    /// <summary>True when the budget ran out (and the caller did not cancel): the current stage timed out.</summary>
    public bool TimedOut => _budget.IsCancellationRequested && !_caller.IsCancellationRequested;

    /// <summary>The budget in whole seconds, for details.</summary>
    public string Seconds => Timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);

    public bool Failed => _stages.Exists(s => s.Outcome == StageOutcome.Failed);

    public IReadOnlyList<StageResult> Stages => _stages;

    /// <summary>Adds strings that must never appear in a detail (passwords, keys, tokens).</summary>
    public void Secret(string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            _secrets.Add(value);
        }
    }

    public static long Start() => Stopwatch.GetTimestamp();

    public void Ok(ProbeStage stage, string target, long started, string detail) =>
        Add(new StageResult(stage, StageOutcome.Ok, target, Elapsed(started), Redact(detail)));

    public void Fail(ProbeStage stage, string target, long started, string code, string detail)
    {
        // The caller's cancellation is not a finding: it ends the probe with an exception.
        _caller.ThrowIfCancellationRequested();
        Add(new StageResult(stage, StageOutcome.Failed, target, Elapsed(started), Redact(detail), code));
    }

    /// <summary>Records the stages that cannot run after a failure.</summary>
    public void SkipRest(string target, params ProbeStage[] stages)
    {
        foreach (ProbeStage stage in stages)
        {
            Add(new StageResult(stage, StageOutcome.Skipped, target, 0, $"{Name(stage)}: not tried (an earlier stage failed)"));
        }
    }

    public void Skip(ProbeStage stage, string target, string detail) => Add(new StageResult(stage, StageOutcome.Skipped, target, 0, Redact(detail)));

    public ProbeReport Report(string? assignedHub = null, string? deviceId = null) => new([.. _stages]) { AssignedHub = assignedHub, DeviceId = deviceId };

    /// <summary>The name a detail starts with, as a technician reads it.</summary>
    public static string Name(ProbeStage stage) => stage switch
    {
        ProbeStage.Dns => "DNS",
        ProbeStage.Tcp => "TCP",
        ProbeStage.Tls => "TLS",
        ProbeStage.Authentication => "authentication",
        ProbeStage.Authorization => "authorisation",
        ProbeStage.Provisioning => "provisioning",
        _ => "done",
    };

    public string Redact(string text)
    {
        foreach (string secret in _secrets)
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }

        return text;
    }

    public void Dispose()
    {
        _linked.Dispose();
        _budget.Dispose();
    }

    private static long Elapsed(long started) => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;

    private void Add(StageResult result) => _stages.Add(result);
}
