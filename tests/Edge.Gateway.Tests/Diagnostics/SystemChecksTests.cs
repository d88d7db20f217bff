using Edge.Gateway.Diagnostics;
using Xunit.Abstractions;

namespace Edge.Gateway.Tests.Diagnostics;

/// <summary>The real checks on the machine running the tests (a CI box: no GPIO, no Bluetooth): every one answers.</summary>
public sealed class SystemChecksTests(ITestOutputHelper output) : IDisposable
{
    private readonly FakeTree _data = new();

    [Fact]
    public void All_checks_run_on_this_machine_without_throwing_in_report_order()
    {
        IReadOnlyList<DiagCheck> checks = SystemChecks.All(_data.Root);
        foreach (string line in DiagReport.ToLines(checks))
        {
            output.WriteLine(line); // what a technician would see here, kept in the test log
        }

        Assert.Equal(["gpio", "hci", "clock", "disk", "databases", "sdcard"], checks.Select(c => c.Name));
        Assert.All(checks, c => Assert.False(string.IsNullOrWhiteSpace(c.Detail)));
        Assert.DoesNotContain(checks, c => c.Detail.StartsWith("the check itself failed", StringComparison.Ordinal));
        Assert.Equal(checks.Count, DiagReport.ToLines(checks).Count);
        Assert.Contains("\"checks\":[", DiagReport.ToJson(checks), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_check_with_its_default_roots_answers()
    {
        DiagCheck[] checks =
        [
            SystemChecks.Gpio(),
            SystemChecks.Hci(),
            SystemChecks.Clock(TimeProvider.System, new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            SystemChecks.Disk(_data.Root),
            SystemChecks.Databases(_data.Root),
            SystemChecks.SdCard(_data.Root),
        ];

        Assert.All(checks, c => Assert.True(Enum.IsDefined(c.Status)));
        Assert.NotEqual(CheckStatus.Fail, checks[3].Status); // the temp directory is writable
    }

    public void Dispose() => _data.Dispose();
}
