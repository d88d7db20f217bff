using Edge.Gateway.Omnichannel;

namespace Edge.Gateway.Diagnostics;

/// <summary>
/// The machine checks of <c>edge-gateway diag</c>: GPIO, Bluetooth, clock, disk, databases and the SD card. Each takes
/// the roots it reads (<c>/dev</c>, <c>/sys</c>, <c>/proc</c>, <c>/run</c>) so tests point it at a fake tree, and
/// returns one <see cref="DiagCheck"/> without throwing.
/// </summary>
public static partial class SystemChecks
{
    /// <summary>Every machine check in report order, against the real roots.</summary>
    /// <param name="dataDir">The gateway's data directory (<c>--data-dir</c>, <c>Gateway:DataDir</c>).</param>
    /// <param name="time">Defaults to the system clock.</param>
    /// <param name="buildDate">Defaults to the day this gateway was built, as <see cref="StoreClock"/> reads it.</param>
    public static IReadOnlyList<DiagCheck> All(string dataDir, TimeProvider? time = null, DateTimeOffset? buildDate = null)
    {
        ArgumentNullException.ThrowIfNull(dataDir);
        return
        [
            Guard("gpio", () => Gpio()),
            Guard("hci", () => Hci()),
            Guard("clock", () => Clock(time ?? TimeProvider.System, buildDate ?? StoreClock.ReadBuildDate())),
            Guard("disk", () => Disk(dataDir)),
            Guard("databases", () => Databases(dataDir)),
            Guard("sdcard", () => SdCard(dataDir)),
        ];
    }

    // The checks catch what they expect; this is for what they do not, so one surprise costs one line, not the report.
#pragma warning disable CA1031
    private static DiagCheck Guard(string name, Func<DiagCheck> check)
    {
        try
        {
            return check();
        }
        catch (Exception ex)
        {
            return new DiagCheck(name, CheckStatus.Fail, $"the check itself failed ({ex.GetType().Name}: {ex.Message}): report this with the output of diag --json");
        }
    }
#pragma warning restore CA1031

    private static string Join(IEnumerable<string> parts) => string.Join("; ", parts);
}
