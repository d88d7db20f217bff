using System.Globalization;

namespace Edge.Gateway.Diagnostics;

public static partial class SystemChecks
{
    // linux/capability.h
    private const int CapNetAdmin = 12;
    private const int CapNetRaw = 13;

    /// <summary>
    /// Bluetooth: the adapters under <c>/sys/class/bluetooth/hci*</c> (and rfkill blocks), and whether this process may
    /// open a raw HCI socket, which needs CAP_NET_RAW and CAP_NET_ADMIN (read from CapEff in <c>/proc/self/status</c>).
    /// </summary>
    public static DiagCheck Hci(string sysRoot = "/sys", string procRoot = "/proc")
    {
        const string name = "hci";
        string[] adapters = [.. SysFile.Entries(Path.Combine(sysRoot, "class", "bluetooth"), "hci*")
            .Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.Contains(':', StringComparison.Ordinal)) // hci0:64 are connections, not adapters
            .OrderBy(SysFile.TrailingNumber)];
        (bool? netRaw, bool? netAdmin, string? capError) = Capabilities(procRoot);
        var data = new Dictionary<string, object?>
        {
            ["adapters"] = adapters,
            ["capNetRaw"] = netRaw,
            ["capNetAdmin"] = netAdmin,
        };
        if (adapters.Length == 0)
        {
            return new DiagCheck(name, CheckStatus.Skip, $"no Bluetooth adapter ({Path.Combine(sysRoot, "class", "bluetooth", "hci*")}): no beacons or shopper presence; enable Bluetooth (dtoverlay, or a USB dongle) if this store uses beacons", data);
        }

        var problems = new List<string>();
        var blocked = new List<string>();
        foreach (string adapter in adapters)
        {
            foreach (string rfkill in SysFile.Entries(Path.Combine(sysRoot, "class", "bluetooth", adapter), "rfkill*"))
            {
                if (SysFile.Read(Path.Combine(rfkill, "hard")) == "1")
                {
                    problems.Add($"{adapter} is blocked by a hardware switch (rfkill hard)");
                    blocked.Add(adapter);
                }
                else if (SysFile.Read(Path.Combine(rfkill, "soft")) == "1")
                {
                    problems.Add($"{adapter} is blocked by rfkill: sudo rfkill unblock bluetooth");
                    blocked.Add(adapter);
                }
            }
        }

        data["blocked"] = blocked;
        var missing = new List<string>();
        if (netRaw == false)
        {
            missing.Add("CAP_NET_RAW");
        }

        if (netAdmin == false)
        {
            missing.Add("CAP_NET_ADMIN");
        }

        if (missing.Count > 0)
        {
            string caps = string.Join(" and ", missing);
            problems.Add($"this process lacks {caps}, so it cannot open a raw HCI socket and sees no beacons: run the service with AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN (systemd) or cap_add: [NET_RAW, NET_ADMIN] (compose)");
        }

        string adapterList = string.Join(", ", adapters);
        if (problems.Count > 0)
        {
            return new DiagCheck(name, CheckStatus.Fail, Join(problems), data);
        }

        if (netRaw is null || netAdmin is null)
        {
            return new DiagCheck(name, CheckStatus.Warn, $"{adapterList}; capabilities unknown ({capError ?? "no CapEff in " + procRoot + "/self/status"}): if no beacons are seen, grant CAP_NET_RAW and CAP_NET_ADMIN", data);
        }

        return new DiagCheck(name, CheckStatus.Ok, $"{adapterList}; raw HCI socket permitted (CAP_NET_RAW, CAP_NET_ADMIN)", data);
    }

    private static (bool? NetRaw, bool? NetAdmin, string? Error) Capabilities(string procRoot)
    {
        string path = Path.Combine(procRoot, "self", "status");
        string[]? lines = SysFile.Lines(path, out string? error);
        if (lines is null)
        {
            return (null, null, error ?? path + " not found");
        }

        string? capEff = lines.FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal))?["CapEff:".Length..].Trim();
        if (capEff is null || !ulong.TryParse(capEff, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong mask))
        {
            return (null, null, capEff is null ? "no CapEff line in " + path : $"CapEff '{capEff}' is not hexadecimal");
        }

        return ((mask & (1UL << CapNetRaw)) != 0, (mask & (1UL << CapNetAdmin)) != 0, null);
    }
}
