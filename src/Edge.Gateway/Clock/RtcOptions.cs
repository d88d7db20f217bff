using Edge.Gateway.Hosting;
using Edge.Gateway.Temperature;

namespace Edge.Gateway.Clock;

/// <summary>Section <c>Rtc</c>: an optional DS3231 real-time clock that keeps the time through a power cut with no network.</summary>
public sealed class RtcOptions
{
    /// <summary>Whether the gateway has a DS3231 (the simulated store has one whatever this says).</summary>
    public bool Enabled { get; set; }

    /// <summary>Its I2C bus (<c>/dev/i2c-N</c>).</summary>
    public int Bus { get; set; } = 1;

    /// <summary>Its I2C address (the DS3231 answers at <c>0x68</c> only).</summary>
    public string Address { get; set; } = "0x68";

    /// <summary>How far the system clock and the RTC may be apart before one of them is wrong.</summary>
    public TimeSpan Tolerance { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the RTC is set from the system clock while NTP is synchronised (and at once when it is more than 2 s off).</summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the RTC is compared with the system clock.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Checks <c>Rtc</c>, naming each bad key.</summary>
internal sealed class RtcOptionsValidator(BindingProblems binding) : SectionValidator<RtcOptions>(binding)
{
    protected override IEnumerable<string> Problems(RtcOptions o)
    {
        if (o.Bus < 0)
        {
            yield return $"Rtc:Bus is {o.Bus}: a Linux I2C bus number is 0 or more (/dev/i2c-N)";
        }

        if (CaseOptions.ParseAddress(o.Address) is not { } address || address is < 0x08 or > 0x77)
        {
            yield return $"Rtc:Address: '{o.Address}' is not an I2C address (the DS3231 answers at 0x68)";
        }

        // The DS3231 keeps whole seconds: a healthy one reads up to a second off, so less than 2 s would flag it.
        if (o.Tolerance < TimeSpan.FromSeconds(2) || o.Tolerance > TimeSpan.FromHours(1))
        {
            yield return "Rtc:Tolerance must be from 00:00:02 to 01:00:00";
        }

        if (o.SyncInterval < TimeSpan.FromMinutes(1) || o.SyncInterval > TimeSpan.FromDays(7))
        {
            yield return "Rtc:SyncInterval must be from 00:01:00 to 7.00:00:00";
        }

        if (o.CheckInterval < TimeSpan.FromSeconds(1) || o.CheckInterval > TimeSpan.FromHours(1))
        {
            yield return "Rtc:CheckInterval must be from 00:00:01 to 01:00:00";
        }
    }
}
