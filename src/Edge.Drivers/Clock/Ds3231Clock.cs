using System.Device.I2c;
using Iot.Device.Rtc;

namespace Edge.Drivers.Clock;

/// <summary>The RTC's time (UTC), or why it is not to be trusted.</summary>
/// <param name="Utc">The time the RTC holds; null when it has none worth using.</param>
/// <param name="Fault">Why there is no time; null when there is one.</param>
public sealed record RtcReading(DateTimeOffset? Utc, string? Fault);

/// <summary>
/// A DS3231 real-time clock on I2C, read and set through the <c>Iot.Device.Rtc</c> binding. The clock keeps UTC (no
/// time zone, so no daylight-saving step). The binding reads the time registers only; this also reads the status
/// register's oscillator-stop flag, which the chip sets when its oscillator stopped (a flat or missing battery during
/// a power cut, or the first power-up): the registers then hold a time that is not to be trusted, however plausible.
/// </summary>
public sealed class Ds3231Clock : IDisposable
{
    private const byte StatusRegister = 0x0F;
    private const byte OscillatorStopped = 0x80;
    private const int HourRegister = 0x02;
    private const int YearRegister = 0x06;
    private const byte TwelveHourMode = 0x40;

    private readonly I2cDevice _bus;
    private readonly Ds3231 _rtc;

    /// <summary>Reads the chip behind <paramref name="device"/>, which this takes over and disposes.</summary>
    public Ds3231Clock(I2cDevice device)
    {
        _bus = device ?? throw new ArgumentNullException(nameof(device));
        _rtc = new Ds3231(device);
    }

    /// <summary>Where the chip is, for messages.</summary>
    public string Where => I2cWhere.Of(_bus);

    /// <summary>The time the RTC holds, unless it is absent, stopped since it was set, or holds no valid time.</summary>
    public RtcReading Read()
    {
        try
        {
            if ((Register(StatusRegister) & OscillatorStopped) != 0)
            {
                return new RtcReading(null, $"the DS3231 at {Where} says its oscillator stopped (a flat or missing battery, or never set): its time is not to be trusted until it is set again");
            }

            // The seven time registers as the binding will read them, checked first: it converts BCD without looking
            // at the digits (0x1A reads as 20) and takes the hour register's mode bits for digits.
            Span<byte> time = stackalloc byte[7];
            _bus.WriteByte(0x00);
            _bus.Read(time);
            if ((time[HourRegister] & TwelveHourMode) != 0)
            {
                return new RtcReading(null, $"the DS3231 at {Where} counts hours in 12-hour mode, which the gateway never sets: its time is not to be trusted until it is set again");
            }

            // Only the year register uses all four bits of its tens digit; the others hold flags or nothing above it.
            for (int i = 0; i < time.Length; i++)
            {
                if ((time[i] & 0x0F) > 9 || (i == YearRegister && time[i] >> 4 > 9))
                {
                    return new RtcReading(null, NoValidTime);
                }
            }

            DateTime raw = _rtc.RtcDateTime;
            if (raw.Year is < 2000 or > 2099)
            {
                // The century bit clear reads as 19xx: a chip set by another tool, or never set in this century.
                return new RtcReading(null, $"the DS3231 at {Where} says the year is {raw.Year}: its time is not to be trusted until it is set again");
            }

            return new RtcReading(new DateTimeOffset(DateTime.SpecifyKind(raw, DateTimeKind.Utc)), null);
        }
        catch (IOException ex)
        {
            return new RtcReading(null, $"no answer from the DS3231 at {Where}: {ex.Message}");
        }
        catch (ArgumentOutOfRangeException)
        {
            // The binding builds a DateTime from the BCD registers: garbage in them is no date.
            return new RtcReading(null, NoValidTime);
        }
    }

    private string NoValidTime => $"the DS3231 at {Where} holds no valid date and time";

    /// <summary>Sets the RTC to <paramref name="utc"/> and clears the oscillator-stop flag: from now on its time counts.</summary>
    /// <exception cref="IOException">The chip did not answer.</exception>
    public void Set(DateTimeOffset utc)
    {
        _rtc.RtcDateTime = utc.UtcDateTime;
        byte status = Register(StatusRegister);
        _bus.Write([StatusRegister, (byte)(status & ~OscillatorStopped)]);
    }

    /// <inheritdoc />
    public void Dispose() => _rtc.Dispose(); // disposes the bus it was given

    private byte Register(byte address)
    {
        Span<byte> value = stackalloc byte[1];
        _bus.WriteByte(address);
        _bus.Read(value);
        return value[0];
    }
}
