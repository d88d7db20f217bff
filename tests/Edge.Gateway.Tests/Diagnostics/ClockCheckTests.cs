using Edge.Gateway.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Gateway.Tests.Diagnostics;

public sealed class ClockCheckTests : IDisposable
{
    private static readonly DateTimeOffset Build = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 17, 20, 0, TimeSpan.Zero));
    private readonly FakeTree _run = new();
    private readonly FakeTree _proc = new();

    private void TimesyncdSynchronised() => _run.File("systemd/timesync/synchronized");

    private DiagCheck Run(int? kernel) => SystemChecks.Clock(_time, Build, _run.Root, _proc.Root, () => kernel);

    [Fact]
    public void Timesyncd_flag_alone_is_ok_when_the_kernel_cannot_be_asked()
    {
        TimesyncdSynchronised();

        DiagCheck check = Run(kernel: null);

        Assert.Equal(CheckStatus.Ok, check.Status);
        Assert.Equal("NTP synchronised (timesyncd); 2026-12-01T17:20:00Z", check.Detail);
    }

    [Fact]
    public void Kernel_and_timesyncd_agreeing_are_both_named()
    {
        TimesyncdSynchronised();

        DiagCheck check = Run(kernel: 0);

        Assert.Equal("NTP synchronised (kernel, timesyncd); 2026-12-01T17:20:00Z", check.Detail);
    }

    [Fact]
    public void Kernel_synchronised_without_timesyncd_is_ok_from_the_kernel()
    {
        // chrony or ntpd: no timesyncd flag, but the kernel knows.
        DiagCheck check = Run(kernel: 0);

        Assert.Equal(CheckStatus.Ok, check.Status);
        Assert.Contains("(kernel)", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Kernel_time_error_warns_even_with_a_stale_timesyncd_flag()
    {
        TimesyncdSynchronised();

        DiagCheck check = Run(kernel: 5);

        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.Contains("kernel reports the clock unsynchronised", check.Detail, StringComparison.Ordinal);
        Assert.Equal("kernel", check.Data!["source"]);
    }

    [Fact]
    public void Nothing_says_synchronised_warns_and_mentions_the_missing_rtc()
    {
        DiagCheck check = Run(kernel: null);

        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.Contains("NTP not synchronised", check.Detail, StringComparison.Ordinal);
        Assert.Contains("no RTC", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void With_an_rtc_the_warning_does_not_blame_its_absence()
    {
        _proc.File("driver/rtc", "rtc_time\t: 17:20:00\n");

        DiagCheck check = Run(kernel: 5);

        Assert.DoesNotContain("no RTC", check.Detail, StringComparison.Ordinal);
        Assert.Equal(true, check.Data!["rtc"]);
    }

    [Fact]
    public void Clock_before_the_build_date_fails_with_both_dates()
    {
        // A Pi without RTC after a power cut: the fake clock cannot be moved backwards, so it starts in the past.
        var past = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 0, 0, 5, TimeSpan.Zero));
        TimesyncdSynchronised();

        DiagCheck check = SystemChecks.Clock(past, Build, _run.Root, _proc.Root, () => 0);

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.StartsWith("the clock says 2025-03-01T00:00:05Z, before this build (2026-11-20): set the time or fix NTP", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Clock_more_than_twenty_years_after_the_build_fails()
    {
        TimesyncdSynchronised();

        DiagCheck atBound = SystemChecks.Clock(new FakeTimeProvider(Build.AddYears(20)), Build, _run.Root, _proc.Root, () => 0);
        DiagCheck past = SystemChecks.Clock(new FakeTimeProvider(Build.AddYears(20).AddSeconds(1)), Build, _run.Root, _proc.Root, () => 0);

        Assert.Equal(CheckStatus.Ok, atBound.Status);
        Assert.Equal(CheckStatus.Fail, past.Status);
        Assert.StartsWith("the clock says 2046-11-20T00:00:01Z, more than 20 years after this build (2026-11-20): set the time or fix NTP", past.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "2027-03-01T09:00:00Z", false)]
    [InlineData(true, "2027-03-01T09:00:00Z", true)]
    [InlineData(false, "2025-06-01T00:00:00Z", true)]
    [InlineData(false, "2046-11-20T00:00:00Z", false)]
    [InlineData(false, "2046-11-20T00:00:01Z", true)]
    [InlineData(false, null, false)]
    public void An_rtc_that_is_not_used_is_a_warning_in_diag(bool faulted, string? reads, bool unusable)
    {
        DateTimeOffset? utc = reads is null ? null : DateTimeOffset.Parse(reads, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(unusable, Edge.Gateway.Cli.DiagVerb.RtcUnusable(faulted, utc, Build));
    }

    [Fact]
    public void Real_kernel_is_asked_without_throwing()
    {
        DiagCheck check = SystemChecks.Clock(_time, Build, _run.Root, _proc.Root);

        Assert.NotEqual(CheckStatus.Fail, check.Status);
    }

    public void Dispose()
    {
        _run.Dispose();
        _proc.Dispose();
    }
}
