using System.Runtime.InteropServices;

namespace Edge.Gateway.Diagnostics;

/// <summary>What the GPIO check asks of the machine beyond files: tests replace it to play a user without access or a Pi without libgpiod.</summary>
/// <param name="OpenError">Opens a chip read/write and closes it: null when it opened, else the error (<see cref="UnauthorizedAccessException"/> for EACCES).</param>
/// <param name="LoadLibgpiod">The libgpiod file name that loaded, or null.</param>
/// <param name="GroupOf">The group owning a device file, or null.</param>
internal sealed record GpioProbe(Func<string, Exception?> OpenError, Func<string?> LoadLibgpiod, Func<string, string?> GroupOf)
{
    // The names System.Device.Gpio's libgpiod driver binds to: v1 (libgpiod.so.2, Bookworm) and v2 (libgpiod.so.3, Trixie).
    private static readonly string[] LibgpiodNames = ["libgpiod.so.2", "libgpiod.so.3", "libgpiod.so"];

    /// <summary>The real machine.</summary>
    public static GpioProbe Machine { get; } = new(TryOpen, TryLoadLibgpiod, GroupName);

    private static Exception? TryOpen(string path)
    {
        try
        {
            // FileShare.ReadWrite: no advisory lock on a device the running gateway may hold open.
            using Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex;
        }
    }

    private static string? TryLoadLibgpiod()
    {
        foreach (string name in LibgpiodNames)
        {
            if (NativeLibrary.TryLoad(name, out IntPtr handle))
            {
                NativeLibrary.Free(handle);
                return name;
            }
        }

        return null;
    }

    private static string? GroupName(string path)
    {
        if (DiagNative.GroupId(path) is not uint gid)
        {
            return null;
        }

        string gidText = gid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // /etc/group: name:password:gid:members
        return SysFile.Lines("/etc/group", out _)?.Select(l => l.Split(':')).FirstOrDefault(f => f.Length >= 3 && f[2] == gidText)?[0] ?? gidText;
    }
}

public static partial class SystemChecks
{
    /// <summary>The label of the Raspberry Pi 5's header chip (the RP1 southbridge).</summary>
    internal const string Pi5HeaderLabel = "pinctrl-rp1";

    /// <summary>
    /// GPIO: the character devices (<c>gpiochip*</c>) and their labels, whether this user may open them read/write,
    /// <c>/dev/gpiomem</c>, the Pi 5 header chip's number, and whether libgpiod loads (without it every shelf faults).
    /// </summary>
    public static DiagCheck Gpio(string devRoot = "/dev", string sysRoot = "/sys") => Gpio(devRoot, sysRoot, GpioProbe.Machine);

    internal static DiagCheck Gpio(string devRoot, string sysRoot, GpioProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        const string name = "gpio";
        string[] chips = [.. SysFile.Entries(devRoot, "gpiochip*").Where(p => !Directory.Exists(p)).OrderBy(p => SysFile.TrailingNumber(Path.GetFileName(p)))];
        string[] gpiomem = [.. SysFile.Entries(devRoot, "gpiomem*").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
        if (chips.Length == 0)
        {
            return new DiagCheck(name, CheckStatus.Skip, $"no GPIO chip ({Path.Combine(devRoot, "gpiochip*")}): the gateway simulates the store", new Dictionary<string, object?>
            {
                ["chips"] = Array.Empty<object>(),
                ["gpiomem"] = gpiomem,
            });
        }

        var problems = new List<string>();
        var notes = new List<string>();
        var chipData = new List<Dictionary<string, object?>>();
        string? header = null;
        foreach (string chip in chips)
        {
            string chipName = Path.GetFileName(chip);
            string? label = ChipLabel(sysRoot, chipName);
            Exception? error = probe.OpenError(chip);
            chipData.Add(new() { ["name"] = chipName, ["label"] = label, ["access"] = error is null ? "rw" : error.Message });
            if (label == Pi5HeaderLabel)
            {
                header = chipName;
            }

            if (error is UnauthorizedAccessException)
            {
                string group = probe.GroupOf(chip) ?? "gpio";
                problems.Add($"permission denied on {chip}: add the gateway's user to the '{group}' group (sudo usermod -aG {group} <user>) and log in again or restart the service");
            }
            else if (error is not null)
            {
                problems.Add($"{chip} cannot be opened ({error.Message})");
            }
        }

        string? libgpiod = probe.LoadLibgpiod();
        if (libgpiod is null)
        {
            problems.Add("libgpiod is not installed, so System.Device.Gpio faults every shelf: sudo apt install libgpiod2 (libgpiod3 on Debian 13)");
        }

        if (header is not null)
        {
            // The RP1 header moved from gpiochip4 to gpiochip0 in later Pi 5 kernels (6.6.45+); pin numbers are the same.
            notes.Add(header == "gpiochip0"
                ? "Pi 5 header is gpiochip0 (current kernel numbering)"
                : $"Pi 5 header is {header} (older kernel numbering; current kernels call it gpiochip0)");
        }

        string chipList = string.Join(", ", chipData.Select(c => c["label"] is string l ? $"{c["name"]} ({l})" : (string)c["name"]!));
        var data = new Dictionary<string, object?>
        {
            ["chips"] = chipData,
            ["gpiomem"] = gpiomem,
            ["libgpiod"] = libgpiod,
            ["headerChip"] = header,
        };
        if (problems.Count > 0)
        {
            return new DiagCheck(name, CheckStatus.Fail, Join(problems), data);
        }

        notes.Insert(0, chipList);
        notes.Add($"{libgpiod} loads");
        notes.Add(gpiomem.Length > 0 ? $"/dev/{gpiomem[0]} present" : "no /dev/gpiomem");
        return new DiagCheck(name, CheckStatus.Ok, Join(notes), data);
    }

    // The character device's own sysfs node, then the legacy class (named by base, which matches the chip number only on
    // older kernels), then any legacy entry whose device link points at this chip.
    private static string? ChipLabel(string sysRoot, string chip)
    {
        string? label = SysFile.Read(Path.Combine(sysRoot, "bus", "gpio", "devices", chip, "label"))
            ?? SysFile.Read(Path.Combine(sysRoot, "class", "gpio", chip, "label"));
        if (label is not null)
        {
            return label.Length == 0 ? null : label;
        }

        foreach (string legacy in SysFile.Entries(Path.Combine(sysRoot, "class", "gpio"), "gpiochip*"))
        {
            string device = Path.Combine(legacy, "device");
            string? target = LinkTarget(device);
            if (target is not null && Path.GetFileName(target.TrimEnd('/')) == chip)
            {
                label = SysFile.Read(Path.Combine(legacy, "label"));
                return string.IsNullOrEmpty(label) ? null : label;
            }
        }

        return null;
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
