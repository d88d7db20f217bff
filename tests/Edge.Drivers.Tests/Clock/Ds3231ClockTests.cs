using Edge.Drivers.Clock.Simulation;
using Edge.Drivers.Clock;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Drivers.Tests.Clock;

/// <summary>The <c>Iot.Device.Rtc</c> DS3231 binding against a simulated chip's registers, with the oscillator-stop flag.</summary>
public sealed class Ds3231ClockTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 4, 30, 45, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);

    [Fact]
    public void AChipNeverSet_SaysItsOscillatorStopped_AndGivesNoTime()
    {
        using var clock = new Ds3231Clock(new SimulatedDs3231(_time));

        RtcReading reading = clock.Read();

        Assert.Null(reading.Utc);
        Assert.StartsWith("the DS3231 at I2C bus 1, address 0x68 says its oscillator stopped", reading.Fault, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_WritesUtcInBcd_ClearsTheFlag_AndTheTimeThenCounts()
    {
        var chip = new SimulatedDs3231(_time);
        using var clock = new Ds3231Clock(chip);

        clock.Set(Now);

        // Seconds, minutes, hours (24-hour), day of week (Wednesday = 4), date, century bit + month, year.
        Assert.Equal([0x45, 0x30, 0x04, 0x04, 0x02, 0x92, 0x26], Enumerable.Range(0, 7).Select(r => chip[r]));
        Assert.Equal(0, chip[0x0F] & 0x80);
        Assert.Equal(new RtcReading(Now, null), clock.Read());

        _time.Advance(TimeSpan.FromSeconds(90.4));

        Assert.Equal(Now.AddSeconds(90), clock.Read().Utc);
    }

    [Fact]
    public void APowerCutWithAFlatBattery_IsNoTime_ThoughTheRegistersLookPlausible_UntilSetAgain()
    {
        var chip = new SimulatedDs3231(_time);
        using var clock = new Ds3231Clock(chip);
        clock.Set(Now);

        chip.LoseBattery();
        _time.Advance(TimeSpan.FromHours(6));
        chip.PowerOn();

        Assert.Null(clock.Read().Utc);
        clock.Set(_time.GetUtcNow());
        Assert.Equal(_time.GetUtcNow(), clock.Read().Utc);
    }

    [Theory]
    [InlineData(0x04, 0x3F)] // day of month "3F", which the binding would turn into an exception
    [InlineData(0x04, 0x1A)] // day "1A", which the binding would read as the 20th
    [InlineData(0x00, 0x0F)] // seconds "0F", read as 15
    public void RegistersHoldingNoDate_AreAFault_NotAWrongTime(int register, int value)
    {
        var chip = new SimulatedDs3231(_time);
        using var clock = new Ds3231Clock(chip);
        clock.Set(Now);

        chip[register] = (byte)value;

        Assert.Equal(new RtcReading(null, "the DS3231 at I2C bus 1, address 0x68 holds no valid date and time"), clock.Read());
    }

    [Fact]
    public void AYearInTheLastCentury_IsAFault()
    {
        var chip = new SimulatedDs3231(_time);
        using var clock = new Ds3231Clock(chip);
        clock.Set(Now);

        chip[0x05] &= 0x7F; // century bit clear, as another tool sets 2026: the binding reads 1926

        Assert.Contains("says the year is 1926", clock.Read().Fault, StringComparison.Ordinal);
    }

    [Fact]
    public void TwelveHourMode_IsAFault_BecauseTheBindingWouldMisreadTheHour()
    {
        var chip = new SimulatedDs3231(_time);
        using var clock = new Ds3231Clock(chip);
        clock.Set(Now);

        chip[0x02] = 0x40 | 0x20 | 0x04; // 12-hour mode, PM, 4 o'clock

        Assert.Contains("12-hour mode", clock.Read().Fault, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAbsentChip_IsAFaultNamingWhereItWasLookedFor()
    {
        using var clock = new Ds3231Clock(new SimulatedDs3231(_time, bus: 2) { Absent = true });

        Assert.Equal(new RtcReading(null, "no answer from the DS3231 at I2C bus 2, address 0x68: Error 121 performing I2C data transfer (remote I/O error)"), clock.Read());
    }
}
