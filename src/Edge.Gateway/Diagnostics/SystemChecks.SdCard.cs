using System.Globalization;
using System.Text.RegularExpressions;

namespace Edge.Gateway.Diagnostics;

public static partial class SystemChecks
{
    /// <summary>
    /// SD card: the mount holding the data directory (from <c>/proc/self/mountinfo</c>, else <c>/proc/mounts</c>) must be
    /// read/write (the kernel remounts ext4 read-only after errors); ext4's recorded error count
    /// (<c>/sys/fs/ext4/&lt;dev&gt;/errors_count</c>); and on mmcblk devices the wear an eMMC reports (life_time, pre_eol_info).
    /// </summary>
    public static DiagCheck SdCard(string dataDir, string procRoot = "/proc", string sysRoot = "/sys")
    {
        ArgumentNullException.ThrowIfNull(dataDir);
        const string name = "sdcard";
        string dir = ResolvedPath(dataDir);
        string mountInfo = Path.Combine(procRoot, "self", "mountinfo");
        string[]? lines = SysFile.Lines(mountInfo, out string? infoError);
        List<Mount> mounts = lines is null ? [] : MountTable.ParseMountInfo(lines);
        if (mounts.Count == 0)
        {
            lines = SysFile.Lines(Path.Combine(procRoot, "mounts"), out _);
            mounts = lines is null ? [] : MountTable.ParseMounts(lines);
        }

        if (MountTable.Holding(mounts, dir) is not Mount mount)
        {
            return new DiagCheck(name, CheckStatus.Skip, $"cannot tell which filesystem holds {dir} ({infoError ?? mountInfo + " not found or empty"})", new Dictionary<string, object?> { ["dataDir"] = dir });
        }

        string? device = DeviceName(mount, sysRoot);
        var data = new Dictionary<string, object?>
        {
            ["dataDir"] = dir,
            ["mountPoint"] = mount.MountPoint,
            ["source"] = mount.Source,
            ["device"] = device,
            ["fsType"] = mount.FsType,
            ["options"] = mount.Options,
            ["readOnly"] = mount.ReadOnly,
        };
        var findings = new List<(CheckStatus Status, string Text)>
        {
            (CheckStatus.Ok, $"{dir} on {mount.MountPoint} ({device ?? mount.Source}, {mount.FsType}, {(mount.ReadOnly ? "ro" : "rw")})"),
        };
        if (mount.ReadOnly)
        {
            findings.Add((CheckStatus.Fail, $"{mount.MountPoint} is mounted read-only, so nothing can be saved (after I/O errors the kernel remounts ext4 so: dmesg | grep -i 'EXT4-fs error'): back up the data directory, fsck the card and reboot; replace the card if it happens again"));
        }

        if (mount.FsType == "ext4" && device is not null)
        {
            findings.Add(Ext4Errors(Path.Combine(sysRoot, "fs", "ext4", device), device, data));
        }

        findings.Add(Wear(device, sysRoot, data));
        CheckStatus status = findings.Max(f => f.Status);
        // Lead with what needs doing; the mount summary stays for context.
        IEnumerable<string> texts = status == CheckStatus.Ok ? findings.Select(f => f.Text) : findings.Where(f => f.Status != CheckStatus.Ok).Select(f => f.Text).Append(findings[0].Text);
        return new DiagCheck(name, status, Join(texts), data);
    }

    private static (CheckStatus, string) Ext4Errors(string dir, string device, Dictionary<string, object?> data)
    {
        string? text = SysFile.Read(Path.Combine(dir, "errors_count"), out string? error);
        if (text is null)
        {
            data["ext4ErrorsCount"] = null;
            return (CheckStatus.Ok, error is null ? "no ext4 error counter exposed" : $"ext4 error count unreadable ({error})");
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long count))
        {
            data["ext4ErrorsCount"] = null;
            return (CheckStatus.Ok, $"ext4 error count unreadable ('{Truncate(text)}')");
        }

        data["ext4ErrorsCount"] = count;
        if (count == 0)
        {
            return (CheckStatus.Ok, "no ext4 errors recorded");
        }

        string? first = ErrorTime(Path.Combine(dir, "first_error_time"));
        string? last = ErrorTime(Path.Combine(dir, "last_error_time"));
        data["ext4FirstErrorTime"] = first;
        data["ext4LastErrorTime"] = last;
        string when = (first, last) switch
        {
            (not null, not null) => $" (first {first}, last {last})",
            (not null, null) => $" (first {first})",
            (null, not null) => $" (last {last})",
            _ => "",
        };
        // The count lives in the superblock and survives reboots until fsck clears it: a warning, not proof of a dying card.
        return (CheckStatus.Warn, $"ext4 on {device} recorded {count} error{(count == 1 ? "" : "s")}{when}: back up the data directory, fsck at the next boot (sudo touch /forcefsck) and replace the card if errors return");
    }

    // Seconds since the epoch; 0 means never.
    private static string? ErrorTime(string path) =>
        long.TryParse(SysFile.Read(path), NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) && seconds > 0 && seconds < 253402300800
            ? Iso(DateTimeOffset.FromUnixTimeSeconds(seconds))
            : null;

    private static (CheckStatus, string) Wear(string? device, string sysRoot, Dictionary<string, object?> data)
    {
        Match mmc = device is null ? Match.Empty : MmcDisk().Match(device);
        if (!mmc.Success)
        {
            return (CheckStatus.Ok, $"{device ?? "the device"} is not an SD card or eMMC");
        }

        string disk = mmc.Groups[1].Value;
        string deviceDir = Path.Combine(sysRoot, "block", disk, "device");
        data["cardType"] = SysFile.Read(Path.Combine(deviceDir, "type"));
        data["cardName"] = SysFile.Read(Path.Combine(deviceDir, "name"));
        string? lifeTime = SysFile.Read(Path.Combine(deviceDir, "life_time"));
        string? preEol = SysFile.Read(Path.Combine(deviceDir, "pre_eol_info"));
        data["lifeTime"] = lifeTime;
        data["preEolInfo"] = preEol;
        int?[] life = lifeTime is null ? [] : [.. lifeTime.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Hex)];
        int? eol = preEol is null ? null : Hex(preEol);
        if (life.Length == 0 && eol is null)
        {
            return (CheckStatus.Ok, $"the kernel exposes no wear data for {disk} (SD cards report none): watch the ext4 error count");
        }

        // JEDEC eMMC 5.0: life time estimate 0x01-0x0A = up to 10 %-100 % of rated erase cycles used, 0x0B = exceeded;
        // pre-EOL 0x01 normal, 0x02 warning (80 % of reserved blocks used), 0x03 urgent.
        int worst = life.Max(v => v ?? 0);
        string summary = $"{disk} wear: life_time {lifeTime ?? "n/a"}, pre_eol_info {preEol ?? "n/a"}";
        if (eol == 3 || worst >= 0x0B)
        {
            return (CheckStatus.Fail, $"{summary}: the eMMC is worn out; replace it (back up the data directory first)");
        }

        if (eol == 2 || worst >= 0x09)
        {
            return (CheckStatus.Warn, $"{summary}: the eMMC is near the end of its life; plan a replacement");
        }

        return (CheckStatus.Ok, worst > 0 ? $"{summary} (about {worst * 10} % used at most)" : summary);
    }

    private static int? Hex(string text)
    {
        ReadOnlySpan<char> s = text.AsSpan().Trim();
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            s = s[2..];
        }

        return int.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int v) ? v : null;
    }

    // /dev/root (what Raspberry Pi OS mounts as /) and pseudo sources name no device: the device number does, through sysfs.
    private static string? DeviceName(Mount mount, string sysRoot)
    {
        if (mount.DeviceNumber is string number)
        {
            string? uevent = SysFile.Read(Path.Combine(sysRoot, "dev", "block", number, "uevent"));
            string? devName = uevent?.Split('\n').FirstOrDefault(l => l.StartsWith("DEVNAME=", StringComparison.Ordinal))?["DEVNAME=".Length..].Trim();
            if (!string.IsNullOrEmpty(devName))
            {
                return devName;
            }
        }

        return mount.Source.StartsWith("/dev/", StringComparison.Ordinal) && mount.Source != "/dev/root" ? mount.Source["/dev/".Length..] : null;
    }

    // A symlinked data directory lives where its target does.
    private static string ResolvedPath(string dataDir)
    {
        string full = Path.GetFullPath(dataDir);
        try
        {
            return Directory.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return full;
        }
    }

    private static string Truncate(string text) => text.Length <= 40 ? text.ReplaceLineEndings(" ") : text[..40].ReplaceLineEndings(" ") + "…";

    [GeneratedRegex("^(mmcblk[0-9]+)(p[0-9]+)?$")]
    private static partial Regex MmcDisk();
}
