using System.Globalization;

namespace Edge.Gateway.Diagnostics;

public static partial class SystemChecks
{
    private const long MiB = 1024 * 1024;

    /// <summary>Below either, the check warns: a busy store's journal and outbox grow by megabytes a day.</summary>
    internal const double WarnFreeFraction = 0.10;

    internal const long WarnFreeBytes = 200 * MiB;

    /// <summary>Below either, the check fails: LiteDB's next checkpoint may not fit and writes start failing.</summary>
    internal const double FailFreeFraction = 0.02;

    internal const long FailFreeBytes = 50 * MiB;

    /// <summary>Disk: the data directory exists and is writable, and the filesystem holding it has room (warn under 10 % or 200 MiB, fail under 2 % or 50 MiB).</summary>
    public static DiagCheck Disk(string dataDir) => Disk(dataDir, FreeSpace);

    /// <param name="dataDir">The data directory.</param>
    /// <param name="space">Free bytes (available to this user) and total bytes of the filesystem holding a directory.</param>
    internal static DiagCheck Disk(string dataDir, Func<string, (long Free, long Total)> space)
    {
        ArgumentNullException.ThrowIfNull(dataDir);
        ArgumentNullException.ThrowIfNull(space);
        const string name = "disk";
        string dir = Path.GetFullPath(dataDir);
        var data = new Dictionary<string, object?> { ["dataDir"] = dir };
        if (!Directory.Exists(dir))
        {
            string what = File.Exists(dir) ? "is a file, not a directory" : "does not exist";
            return new DiagCheck(name, CheckStatus.Fail, $"the data directory {dir} {what}: check --data-dir (Gateway:DataDir) points where the gateway keeps its databases", data);
        }

        if (WriteError(dir) is string writeError)
        {
            data["writable"] = false;
            return new DiagCheck(name, CheckStatus.Fail, $"cannot write in {dir} ({writeError}): give the gateway's user read/write on it, or see sdcard if the filesystem went read-only", data);
        }

        data["writable"] = true;
        long free, total;
        try
        {
            (free, total) = space(dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return new DiagCheck(name, CheckStatus.Warn, $"free space on {dir} unknown ({ex.Message})", data);
        }

        data["freeBytes"] = free;
        data["totalBytes"] = total;
        double fraction = total > 0 ? (double)free / total : 0;
        string summary = $"{Bytes(free)} free of {Bytes(total)} ({(fraction * 100).ToString("0.#", CultureInfo.InvariantCulture)} %) for {dir}";
        if (free < FailFreeBytes || fraction < FailFreeFraction)
        {
            return new DiagCheck(name, CheckStatus.Fail, $"{summary}: the databases are about to stop writing; free space now (old logs, journalctl --vacuum-size=50M) or move the data directory", data);
        }

        if (free < WarnFreeBytes || fraction < WarnFreeFraction)
        {
            return new DiagCheck(name, CheckStatus.Warn, $"{summary}: free some space (journalctl --vacuum-size=50M, old captures) before the databases run out", data);
        }

        return new DiagCheck(name, CheckStatus.Ok, summary, data);
    }

    internal static string Bytes(long bytes) => bytes switch
    {
        >= 1024 * MiB => (bytes / (1024.0 * MiB)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB",
        >= MiB => (bytes / (double)MiB).ToString("0", CultureInfo.InvariantCulture) + " MiB",
        >= 1024 => (bytes / 1024.0).ToString("0", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };

    private static (long Free, long Total) FreeSpace(string dir)
    {
        // On Linux DriveInfo takes any path and asks statvfs about the filesystem under it.
        var drive = new DriveInfo(dir);
        return (drive.AvailableFreeSpace, drive.TotalSize);
    }

    // The only sure test of writability (mode bits lie for root, ACLs and read-only mounts): create a file and let it go.
    private static string? WriteError(string dir)
    {
        string probe = Path.Combine(dir, $".diag-{Environment.ProcessId}.tmp");
        try
        {
            using var stream = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            stream.WriteByte(0);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }
}
