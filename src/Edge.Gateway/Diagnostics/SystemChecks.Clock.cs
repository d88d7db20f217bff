using System.Globalization;
using Edge.Gateway.Clock;

namespace Edge.Gateway.Diagnostics;

public static partial class SystemChecks
{
    /// <summary>
    /// Clock: whether NTP synchronised it, by the kernel's view (adjtimex) and systemd-timesyncd's flag file
    /// (<c>/run/systemd/timesync/synchronized</c>), and whether it reads earlier than this build (a Pi without RTC boots
    /// in the past). <paramref name="procRoot"/> tells whether an RTC keeps time across power cuts (<c>driver/rtc</c>).
    /// </summary>
    public static DiagCheck Clock(TimeProvider time, DateTimeOffset buildDate, string runRoot = "/run", string procRoot = "/proc") =>
        Clock(time, buildDate, runRoot, procRoot, DiagNative.ClockState);

    /// <param name="kernelClockState">adjtimex's return value, or null when the kernel cannot be asked (then the file decides).</param>
    internal static DiagCheck Clock(TimeProvider time, DateTimeOffset buildDate, string runRoot, string procRoot, Func<int?> kernelClockState)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(kernelClockState);
        const string name = "clock";
        DateTimeOffset now = time.GetUtcNow();
        int? kernel = kernelClockState();
        string flag = Path.Combine(runRoot, "systemd", "timesync", "synchronized");
        bool timesyncd = File.Exists(flag);
        bool rtc = File.Exists(Path.Combine(procRoot, "driver", "rtc"));

        // The kernel is the authority (it is what timesyncd, chrony and ntpd all report to); the flag file only speaks
        // for timesyncd, so it decides alone only when the kernel cannot be asked.
        bool synced;
        string source;
        if (kernel is int state)
        {
            synced = state != DiagNative.TimeError;
            source = synced == timesyncd ? "kernel, timesyncd" : "kernel";
        }
        else
        {
            synced = timesyncd;
            source = "timesyncd";
        }

        var data = new Dictionary<string, object?>
        {
            ["now"] = now.UtcDateTime,
            ["buildDate"] = buildDate.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["synchronised"] = synced,
            ["source"] = source,
            ["kernelState"] = kernel,
            ["timesyncd"] = timesyncd,
            ["rtc"] = rtc,
        };
        string nowText = Iso(now);
        string noRtc = rtc ? "" : " (no RTC: after a power cut the clock starts where it stopped until NTP answers)";
        if (now < buildDate)
        {
            return new DiagCheck(name, CheckStatus.Fail, $"the clock says {nowText}, before this build ({buildDate.UtcDateTime:yyyy-MM-dd}): set the time or fix NTP{noRtc}", data);
        }

        if (now > ClockJudge.LatestPlausible(buildDate))
        {
            return new DiagCheck(name, CheckStatus.Fail, $"the clock says {nowText}, more than {ClockJudge.PlausibleYearsAfterBuild} years after this build ({buildDate.UtcDateTime:yyyy-MM-dd}): set the time or fix NTP{noRtc}", data);
        }

        if (!synced)
        {
            string why = kernel is null ? $"{flag} absent and the kernel could not be asked" : "the kernel reports the clock unsynchronised";
            return new DiagCheck(name, CheckStatus.Warn, $"NTP not synchronised ({why}); {nowText}: check the network reaches an NTP server (timedatectl timesync-status){noRtc}", data);
        }

        return new DiagCheck(name, CheckStatus.Ok, $"NTP synchronised ({source}); {nowText}", data);
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
