using Edge.Gateway.Diagnostics;

namespace Edge.Gateway.Tests.Diagnostics;

public sealed class SdCardCheckTests : IDisposable
{
    private readonly FakeTree _proc = new();
    private readonly FakeTree _sys = new();
    private readonly FakeTree _data = new();

    /// <summary>Raspberry Pi OS: root on the card's second partition, listed as /dev/root, plus the data directory's own mount.</summary>
    private void MountInfo(string dataMount, string options = "rw,noatime", string fsType = "ext4", string source = "/dev/root", string superOptions = "rw")
    {
        _proc.File("self/mountinfo", string.Join('\n',
            "22 27 0:21 / /proc rw,relatime - proc proc rw",
            "29 1 179:1 / / rw,noatime shared:1 - ext4 /dev/mmcblk0p1 rw",
            $"31 29 179:2 / {dataMount} {options} shared:2 - {fsType} {source} {superOptions}",
            ""));
        _sys.File("dev/block/179:2/uevent", "MAJOR=179\nMINOR=2\nDEVNAME=mmcblk0p2\nDEVTYPE=partition\n");
    }

    private DiagCheck Run(string? dataDir = null) => SystemChecks.SdCard(dataDir ?? _data.Root, _proc.Root, _sys.Root);

    [Fact]
    public void Healthy_sd_card_is_ok_and_says_the_kernel_exposes_no_wear()
    {
        MountInfo(_data.Root);
        _sys.File("fs/ext4/mmcblk0p2/errors_count", "0\n");

        DiagCheck check = Run();

        Assert.Equal("sdcard", check.Name);
        Assert.Equal(CheckStatus.Ok, check.Status);
        Assert.Contains("(mmcblk0p2, ext4, rw)", check.Detail, StringComparison.Ordinal);
        Assert.Contains("no ext4 errors", check.Detail, StringComparison.Ordinal);
        Assert.Contains("exposes no wear data for mmcblk0", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Mount_point_with_escaped_spaces_is_found()
    {
        string dir = _data.Dir("usb stick/edge");
        MountInfo(_data["usb stick"].Replace(" ", @"\040", StringComparison.Ordinal), source: "/dev/sda1");
        _proc.File("self/mountinfo", File.ReadAllText(_proc["self/mountinfo"]).Replace("179:2", "8:1", StringComparison.Ordinal));

        DiagCheck check = Run(dir);

        Assert.Equal(_data["usb stick"], check.Data!["mountPoint"]);
        Assert.Equal("sda1", check.Data["device"]);
        Assert.Contains("not an SD card", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_only_remount_fails()
    {
        MountInfo(_data.Root, options: "ro,noatime", superOptions: "ro,errors=remount-ro");

        DiagCheck check = Run();

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.StartsWith($"{_data.Root} is mounted read-only", check.Detail, StringComparison.Ordinal);
        Assert.Contains("fsck", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Ext4_errors_warn_with_the_count_and_times()
    {
        MountInfo(_data.Root);
        _sys.File("fs/ext4/mmcblk0p2/errors_count", "3\n");
        _sys.File("fs/ext4/mmcblk0p2/first_error_time", "1764547200\n");
        _sys.File("fs/ext4/mmcblk0p2/last_error_time", "1764612000\n");

        DiagCheck check = Run();

        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.StartsWith("ext4 on mmcblk0p2 recorded 3 errors (first 2025-12-01T00:00:00Z, last 2025-12-01T18:00:00Z)", check.Detail, StringComparison.Ordinal);
        Assert.Equal(3L, check.Data!["ext4ErrorsCount"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("lots\n")]
    [InlineData("-1")]
    public void Empty_or_garbage_error_count_is_reported_unreadable_not_thrown(string content)
    {
        MountInfo(_data.Root);
        _sys.File("fs/ext4/mmcblk0p2/errors_count", content);

        DiagCheck check = Run();

        Assert.Equal(CheckStatus.Ok, check.Status);
        Assert.Contains("ext4 error count unreadable", check.Detail, StringComparison.Ordinal);
        Assert.Null(check.Data!["ext4ErrorsCount"]);
    }

    [Fact]
    public void Unreadable_error_count_is_reported_not_thrown()
    {
        MountInfo(_data.Root);
        _sys.Unreadable("fs/ext4/mmcblk0p2/errors_count");

        DiagCheck check = Run();

        Assert.Contains("ext4 error count unreadable", check.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0x02 0x03", "0x01", CheckStatus.Ok)]
    [InlineData("0x09 0x02", "0x01", CheckStatus.Warn)]
    [InlineData("0x02 0x02", "0x02", CheckStatus.Warn)]
    [InlineData("0x0B 0x0A", "0x01", CheckStatus.Fail)]
    [InlineData("0x01 0x01", "0x03", CheckStatus.Fail)]
    public void Emmc_wear_is_graded_by_life_time_and_pre_eol(string lifeTime, string preEol, CheckStatus expected)
    {
        MountInfo(_data.Root);
        _sys.File("block/mmcblk0/device/life_time", lifeTime + "\n");
        _sys.File("block/mmcblk0/device/pre_eol_info", preEol + "\n");
        _sys.File("block/mmcblk0/device/type", "MMC\n");

        DiagCheck check = Run();

        Assert.Equal(expected, check.Status);
        Assert.Contains("mmcblk0 wear: life_time " + lifeTime, check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_mountinfo_the_older_mounts_table_is_used()
    {
        _proc.File("mounts", $"/dev/mmcblk0p2 {_data.Root} ext4 rw,noatime 0 0\n");

        DiagCheck check = Run();

        Assert.Equal("mmcblk0p2", check.Data!["device"]);
    }

    [Fact]
    public void No_mount_table_skips()
    {
        _proc.Unreadable("self/mountinfo");

        DiagCheck check = Run();

        Assert.Equal(CheckStatus.Skip, check.Status);
        Assert.Contains("cannot tell which filesystem", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_data_dir_is_still_placed_on_its_mount()
    {
        MountInfo(_data.Root);

        DiagCheck check = Run(_data["not/yet/created"]);

        Assert.Equal(_data.Root, check.Data!["mountPoint"]);
    }

    public void Dispose()
    {
        _proc.Dispose();
        _sys.Dispose();
        _data.Dispose();
    }
}
