using System.Text;

namespace Edge.Gateway.Diagnostics;

/// <summary>One mount, as /proc/self/mountinfo (or /proc/mounts) describes it; paths unescaped.</summary>
/// <param name="MountPoint">Where it is mounted.</param>
/// <param name="Source">The device (<c>/dev/mmcblk0p2</c>, <c>/dev/root</c>) or a pseudo source.</param>
/// <param name="FsType">ext4, vfat, overlay, …</param>
/// <param name="Options">Per-mount options then superblock options (ro/rw may be in either).</param>
/// <param name="DeviceNumber"><c>major:minor</c>, or null from /proc/mounts.</param>
internal sealed record Mount(string MountPoint, string Source, string FsType, IReadOnlyList<string> Options, string? DeviceNumber)
{
    /// <summary>Read-only at the mount or at the superblock (what a remount after errors changes).</summary>
    public bool ReadOnly => Options.Contains("ro");
}

/// <summary>Parses the kernel's mount tables and finds the mount holding a path.</summary>
internal static class MountTable
{
    /// <summary>Mounts in the order the kernel lists them (later mounts shadow earlier ones); malformed lines are skipped.</summary>
    public static List<Mount> ParseMountInfo(IEnumerable<string> lines)
    {
        var mounts = new List<Mount>();
        foreach (string line in lines)
        {
            // id parent major:minor root mountpoint options [optional fields…] - fstype source superoptions
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int dash = f.Length < 7 ? -1 : Array.IndexOf(f, "-", 6);
            if (dash < 0 || f.Length < dash + 3)
            {
                continue;
            }

            string[] superOptions = f.Length > dash + 3 ? f[dash + 3].Split(',') : [];
            mounts.Add(new Mount(Unescape(f[4]), Unescape(f[dash + 2]), f[dash + 1], [.. f[5].Split(','), .. superOptions], f[2]));
        }

        return mounts;
    }

    /// <summary>Mounts from the older /proc/mounts format (no device numbers).</summary>
    public static List<Mount> ParseMounts(IEnumerable<string> lines)
    {
        var mounts = new List<Mount>();
        foreach (string line in lines)
        {
            // source mountpoint fstype options dump pass
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 4)
            {
                mounts.Add(new Mount(Unescape(f[1]), Unescape(f[0]), f[2], f[3].Split(','), null));
            }
        }

        return mounts;
    }

    /// <summary>The mount with the longest mount point that contains <paramref name="fullPath"/>; the last listed wins a tie.</summary>
    public static Mount? Holding(IReadOnlyList<Mount> mounts, string fullPath)
    {
        Mount? best = null;
        int bestLength = -1;
        foreach (Mount m in mounts)
        {
            string point = m.MountPoint.Length > 1 ? m.MountPoint.TrimEnd('/') : m.MountPoint;
            bool holds = point == "/" || fullPath == point || fullPath.StartsWith(point + "/", StringComparison.Ordinal);
            if (holds && point.Length >= bestLength)
            {
                best = m;
                bestLength = point.Length;
            }
        }

        return best;
    }

    /// <summary>The kernel escapes space, tab, newline and backslash in paths as three octal digits (<c>\040</c>).</summary>
    public static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var sb = new StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                sb.Append((char)(((field[i + 1] - '0') * 64) + ((field[i + 2] - '0') * 8) + (field[i + 3] - '0')));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }

        return sb.ToString();
    }

    private static bool IsOctal(string s, int start) =>
        start + 2 < s.Length && s[start] is >= '0' and <= '3' && s[start + 1] is >= '0' and <= '7' && s[start + 2] is >= '0' and <= '7';
}
