using Edge.Gateway.Diagnostics;

namespace Edge.Gateway.Tests.Diagnostics;

public sealed class DiskCheckTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private const long GiB = 1024 * MiB;
    private readonly FakeTree _data = new();

    private DiagCheck Run(long free, long total) => SystemChecks.Disk(_data.Root, _ => (free, total));

    [Fact]
    public void Plenty_of_room_is_ok()
    {
        DiagCheck check = Run(free: 20 * GiB, total: 32 * GiB);

        Assert.Equal(CheckStatus.Ok, check.Status);
        Assert.StartsWith("20.0 GiB free of 32.0 GiB (62.5 %)", check.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3 * GiB, 32 * GiB)] // under 10 %
    [InlineData(150 * MiB, 1 * GiB)] // under 200 MiB, though 14.6 %
    public void Low_space_warns(long free, long total) => Assert.Equal(CheckStatus.Warn, Run(free, total).Status);

    [Theory]
    [InlineData(500 * MiB, 32 * GiB)] // under 2 %
    [InlineData(40 * MiB, 100 * MiB)] // under 50 MiB, though 40 %
    [InlineData(0, 0)] // a filesystem reporting nothing
    public void Nearly_full_fails(long free, long total)
    {
        DiagCheck check = Run(free, total);

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("free space now", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_data_dir_fails_naming_the_setting()
    {
        DiagCheck check = SystemChecks.Disk(_data["does-not-exist"]);

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("does not exist", check.Detail, StringComparison.Ordinal);
        Assert.Contains("--data-dir", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_dir_that_is_a_file_fails()
    {
        DiagCheck check = SystemChecks.Disk(_data.File("not-a-dir"));

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("is a file", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Unwritable_data_dir_fails()
    {
        // The write probe's own name taken by a directory: the create fails for root too.
        _data.Dir($".diag-{Environment.ProcessId}.tmp");

        DiagCheck check = SystemChecks.Disk(_data.Root);

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("cannot write", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Failing_statvfs_warns_instead_of_throwing()
    {
        DiagCheck check = SystemChecks.Disk(_data.Root, _ => throw new IOException("statvfs: EIO"));

        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.Contains("EIO", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Real_filesystem_is_measured_and_the_probe_file_is_gone()
    {
        DiagCheck check = SystemChecks.Disk(_data.Root);

        Assert.True(check.Data!["totalBytes"] is long total && total > 0, check.Detail);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_data.Root));
    }

    public void Dispose() => _data.Dispose();
}
