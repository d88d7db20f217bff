using Edge.Cloud.Probe;

namespace Edge.Cloud.Tests.Probe;

/// <summary>Checks every probe report makes: the verdict, the skipped tail, and no secret anywhere in what it prints.</summary>
internal static class ProbeAssert
{
    public static void Failed(ProbeReport report, ProbeStage stage, string code, params string[] secrets)
    {
        NoSecrets(report, secrets);
        Assert.True(report.FailedStage == stage && report.Code == code, $"expected {stage} {code}, got:\n{report}");
        int failed = report.Stages.ToList().FindIndex(s => s.Outcome == StageOutcome.Failed);
        Assert.All(report.Stages.Skip(failed + 1), s => Assert.Equal(StageOutcome.Skipped, s.Outcome));
        Assert.All(report.Stages.Take(failed), s => Assert.NotEqual(StageOutcome.Failed, s.Outcome));
    }

    public static void Passed(ProbeReport report, params string[] secrets)
    {
        NoSecrets(report, secrets);
        Assert.True(report.Succeeded, $"expected success, got:\n{report}");
        Assert.Equal(ProbeStage.Done, report.FailedStage);
        Assert.Null(report.Code);
    }

    /// <summary>The scan: no password, key or token in a detail, nor in the printed report.</summary>
    public static void NoSecrets(ProbeReport report, IEnumerable<string> secrets)
    {
        string[] texts = [.. report.Stages.Select(s => s.Detail), report.ToString()];
        foreach (string secret in secrets.Concat(SecuredMosquitto.Passwords.Values).Where(s => s.Length > 0))
        {
            Assert.All(texts, t => Assert.DoesNotContain(secret, t, StringComparison.Ordinal));
        }

        Assert.All(texts, t => Assert.DoesNotContain("SharedAccessSignature", t, StringComparison.Ordinal));
        Assert.All(texts, t => Assert.DoesNotContain("sig=", t, StringComparison.Ordinal));
    }
}
