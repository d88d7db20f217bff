using Edge.Gateway.Diagnostics;

namespace Edge.Gateway.Tests.Diagnostics;

public class MountTableTests
{
    [Theory]
    [InlineData(@"/media/usb\040stick", "/media/usb stick")]
    [InlineData(@"/a\011b\134c", "/a\tb\\c")]
    [InlineData(@"/trailing\04", @"/trailing\04")] // truncated escape kept as written
    [InlineData(@"/not\999octal", @"/not\999octal")]
    public void Unescape_decodes_the_kernels_octal_escapes(string field, string expected) =>
        Assert.Equal(expected, MountTable.Unescape(field));

    [Fact]
    public void MountInfo_with_optional_fields_and_escaped_spaces_parses()
    {
        List<Mount> mounts = MountTable.ParseMountInfo(
        [
            "29 1 179:2 / / rw,noatime shared:1 - ext4 /dev/root rw",
            @"40 29 8:1 / /media/usb\040stick rw,nosuid shared:20 master:3 - vfat /dev/sda1 ro,fmask=0022",
            "garbage",
            "",
        ]);

        Assert.Equal(2, mounts.Count);
        Mount usb = mounts[1];
        Assert.Equal("/media/usb stick", usb.MountPoint);
        Assert.Equal("vfat", usb.FsType);
        Assert.Equal("/dev/sda1", usb.Source);
        Assert.Equal("8:1", usb.DeviceNumber);
        Assert.True(usb.ReadOnly); // ro in the superblock options
        Assert.False(mounts[0].ReadOnly);
    }

    [Fact]
    public void Holding_picks_the_longest_mount_point_on_a_path_boundary()
    {
        List<Mount> mounts = MountTable.ParseMounts(
        [
            "/dev/root / ext4 rw 0 0",
            "/dev/sda1 /var/lib/edge ext4 rw 0 0",
            "/dev/sdb1 /var/lib/edge-old ext4 rw 0 0",
        ]);

        Assert.Equal("/dev/sda1", MountTable.Holding(mounts, "/var/lib/edge/data")!.Source);
        Assert.Equal("/dev/sda1", MountTable.Holding(mounts, "/var/lib/edge")!.Source);
        Assert.Equal("/dev/root", MountTable.Holding(mounts, "/var/lib/edgex")!.Source);
    }

    [Fact]
    public void Holding_prefers_the_later_of_two_mounts_on_one_point()
    {
        List<Mount> mounts = MountTable.ParseMounts(["/dev/root / ext4 rw 0 0", "overlay / overlay ro 0 0"]);

        Assert.Equal("overlay", MountTable.Holding(mounts, "/home/pi")!.FsType);
    }
}
