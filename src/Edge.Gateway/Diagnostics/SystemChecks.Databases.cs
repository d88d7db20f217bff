using Edge.Gateway.Cloud;
using Edge.Gateway.Hosting;

namespace Edge.Gateway.Diagnostics;

public static partial class SystemChecks
{
    // GatewayDatabase moves an unreadable file to "<file>.corrupt-<stamp>[-n]" and its LiteDB log to
    // "<file>-log.corrupt-<stamp>[-n]" (the log's name is derived from the moved file's).
    private const string QuarantineMark = ".corrupt-";

    /// <summary>
    /// Databases: the sizes of the journal (<see cref="GatewayDatabase.FileName"/>) and outbox
    /// (<see cref="CloudRegistration.OutboxFile"/>) files and their logs, and any copy the gateway quarantined after it
    /// found a file damaged (a warning: history was lost there).
    /// </summary>
    public static DiagCheck Databases(string dataDir)
    {
        ArgumentNullException.ThrowIfNull(dataDir);
        const string name = "databases";
        string dir = Path.GetFullPath(dataDir);
        if (!Directory.Exists(dir))
        {
            return new DiagCheck(name, CheckStatus.Skip, $"no data directory {dir}: no databases to measure (see disk)", new Dictionary<string, object?> { ["dataDir"] = dir });
        }

        var files = new List<Dictionary<string, object?>>();
        var quarantined = new List<Dictionary<string, object?>>();
        var problems = new List<string>();
        var warnings = new List<string>();
        var sizes = new List<string>();
        try
        {
            foreach (string file in (string[])[GatewayDatabase.FileName, CloudRegistration.OutboxFile])
            {
                string path = Path.Combine(dir, file);
                string log = Path.GetFileNameWithoutExtension(file) + "-log" + Path.GetExtension(file);
                if (Directory.Exists(path))
                {
                    problems.Add($"{path} is a directory, so the gateway cannot start: move it away");
                    continue;
                }

                long? size = Size(path);
                long? logSize = Size(Path.Combine(dir, log));
                if (size is long bytes)
                {
                    files.Add(new() { ["name"] = file, ["bytes"] = bytes, ["logBytes"] = logSize });
                    sizes.Add(logSize is long l ? $"{file} {Bytes(bytes)} (+log {Bytes(l)})" : $"{file} {Bytes(bytes)}");
                    if (bytes == 0)
                    {
                        warnings.Add($"{file} is empty: the gateway moves it aside and starts afresh at the next start");
                    }
                }

                foreach (string aside in Directory.EnumerateFiles(dir, file + QuarantineMark + "*")
                    .Concat(Directory.EnumerateFiles(dir, file + "-log" + QuarantineMark + "*"))
                    .Order(StringComparer.Ordinal))
                {
                    quarantined.Add(new() { ["name"] = Path.GetFileName(aside), ["bytes"] = Size(aside) });
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new DiagCheck(name, CheckStatus.Fail, $"cannot list {dir} ({ex.Message}): give the gateway's user read/write on it", new Dictionary<string, object?> { ["dataDir"] = dir });
        }

        if (quarantined.Count > 0)
        {
            warnings.Add($"quarantined after damage: {string.Join(", ", quarantined.Select(q => q["name"]))}; the gateway started those afresh (history before then is only in the copies): keep them for support, check the card (see sdcard), then delete them");
        }

        var data = new Dictionary<string, object?> { ["dataDir"] = dir, ["files"] = files, ["quarantined"] = quarantined };
        if (problems.Count > 0)
        {
            return new DiagCheck(name, CheckStatus.Fail, Join(problems.Concat(warnings)), data);
        }

        if (warnings.Count > 0)
        {
            return new DiagCheck(name, CheckStatus.Warn, Join(warnings), data);
        }

        return new DiagCheck(name, CheckStatus.Ok, sizes.Count == 0 ? $"no databases in {dir} yet: the gateway creates them at first start" : string.Join(", ", sizes), data);
    }

    private static long? Size(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : null;
    }
}
