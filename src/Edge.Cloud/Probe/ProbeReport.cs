using System.Globalization;
using System.Text;

namespace Edge.Cloud.Probe;

/// <summary>One stage of a probe: its outcome, its time and a one-line detail that names what to fix. Never holds a secret.</summary>
/// <param name="Stage">Which stage.</param>
/// <param name="Outcome">Passed, failed or skipped.</param>
/// <param name="Target">The endpoint probed, <c>host:port</c>.</param>
/// <param name="ElapsedMs">Time spent in this stage (0 when skipped).</param>
/// <param name="Detail">For a person: what happened and which setting to check.</param>
/// <param name="Code">For a machine: a <see cref="ProbeCodes"/> value when the stage failed, otherwise null.</param>
public sealed record StageResult(ProbeStage Stage, StageOutcome Outcome, string Target, long ElapsedMs, string Detail, string? Code = null);

/// <summary>What a connection probe found, stage by stage; <see cref="FailedStage"/> is <see cref="ProbeStage.Done"/> when all passed.</summary>
/// <param name="Stages">Every stage in the order it ran (a DPS probe lists the DPS host's stages, then the hub's).</param>
public sealed record ProbeReport(IReadOnlyList<StageResult> Stages)
{
    /// <summary>The failed stage, or null when none failed.</summary>
    public StageResult? Failure => Stages.FirstOrDefault(s => s.Outcome == StageOutcome.Failed);

    /// <summary>The stage that failed, or <see cref="ProbeStage.Done"/>.</summary>
    public ProbeStage FailedStage => Failure?.Stage ?? ProbeStage.Done;

    /// <summary>The failure's <see cref="ProbeCodes"/> value, or null.</summary>
    public string? Code => Failure?.Code;

    /// <summary>True when every stage that ran passed.</summary>
    public bool Succeeded => Failure is null;

    /// <summary>Total time of the stages that ran.</summary>
    public long ElapsedMs => Stages.Sum(s => s.ElapsedMs);

    /// <summary>The hub DPS assigned (DPS probes that got that far).</summary>
    public string? AssignedHub { get; init; }

    /// <summary>The device id in use: assigned by DPS, or configured.</summary>
    public string? DeviceId { get; init; }

    /// <summary>One line per stage, then the verdict: what a technician reads.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (StageResult s in Stages)
        {
            string mark = s.Outcome switch { StageOutcome.Ok => "ok  ", StageOutcome.Failed => "FAIL", _ => "skip" };
            sb.Append(CultureInfo.InvariantCulture, $"{mark} {s.Stage,-14} {s.ElapsedMs,6} ms  {s.Detail}");
            if (s.Code is not null)
            {
                sb.Append(CultureInfo.InvariantCulture, $" [{s.Code}]");
            }

            sb.AppendLine();
        }

        if (AssignedHub is not null)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"DPS assigned hub '{AssignedHub}', device '{DeviceId}'");
        }

        sb.Append(Succeeded
            ? string.Create(CultureInfo.InvariantCulture, $"connection verified in {ElapsedMs} ms")
            : string.Create(CultureInfo.InvariantCulture, $"failed at {FailedStage}: {Code}"));
        return sb.ToString();
    }
}
