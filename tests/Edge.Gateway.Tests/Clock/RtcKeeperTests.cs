using Edge.Drivers.Clock;
using Edge.Drivers.Clock.Simulation;
using Edge.Gateway.Clock;
using Edge.Gateway.Omnichannel;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Gateway.Tests.Clock;

/// <summary>
/// The RTC against the system clock, through the real DS3231 driver on a register-level simulated chip: a power cut
/// with no network, NTP coming back, a disagreement, a chip whose oscillator stopped.
/// </summary>
public sealed class RtcKeeperTests
{
    private static readonly DateTimeOffset Build = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset True = new(2027, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _rtcTime = new(True); // the chip's own crystal: real time
    private readonly RtcOptions _options = new();
    private bool? _ntp;

    [Fact]
    public void AfterAPowerCutWithNoNetwork_TheGatewayStartsFromTheRtcsTime_AndPromotionTimeIsPlausible()
    {
        SimulatedDs3231 chip = SetChip(True);
        var system = new FakeTimeProvider(True - TimeSpan.FromDays(3)); // the system clock resumed where it stopped
        _ntp = false;
        using RtcKeeper keeper = Keeper(chip, system);

        ClockVerdict verdict = keeper.Check();
        Assert.True(verdict.Trust == ClockTrust.Rtc, verdict.Advice);
        Assert.InRange((keeper.Clock.GetUtcNow() - True).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(1));
        var store = new StoreClock(keeper.Clock, Options.Create(new OmnichannelOptions()), [keeper]);
        Assert.True(store.Plausible, store.Reason);

        system.Advance(TimeSpan.FromMinutes(10));
        _rtcTime.Advance(TimeSpan.FromMinutes(10));
        Assert.InRange((keeper.Clock.GetUtcNow() - True - TimeSpan.FromMinutes(10)).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void WhenNtpAnswers_TheSystemClockIsTheTime_TheOffsetGoes_AndTheRtcIsSetFromIt()
    {
        SimulatedDs3231 chip = SetChip(True - TimeSpan.FromSeconds(40)); // the RTC drifted 40 s behind
        var system = new JumpingClock(True - TimeSpan.FromDays(3));
        _ntp = false;
        using RtcKeeper keeper = Keeper(chip, system);
        Assert.Equal(ClockTrust.Rtc, keeper.Check().Trust);

        system.Jump(TimeSpan.FromDays(3)); // NTP stepped the system clock
        _ntp = true;
        Assert.Equal(True, keeper.Clock.GetUtcNow());
        Assert.Equal(system.GetUtcNow(), keeper.Clock.SystemClockSetAt);
        ClockVerdict verdict = keeper.Check();

        Assert.Equal(ClockTrust.Ntp, verdict.Trust);
        Assert.Null(verdict.Disagreement);
        RtcReading rtc = new Ds3231Clock(new UnownedI2cDevice(chip)).Read();
        Assert.Equal(True, rtc.Utc);
    }

    [Fact]
    public void WithNoNtp_ASystemClockAheadOfTheRtc_IsADisagreement_ThatMakesTheStoreClockImplausible_AndSaysTrustNeither()
    {
        SimulatedDs3231 chip = SetChip(True);
        var system = new FakeTimeProvider(True + TimeSpan.FromHours(2)); // someone set it, or the RTC lost time: no way to tell
        _ntp = false;
        using RtcKeeper keeper = Keeper(chip, system);
        ClockVerdict verdict = keeper.Check();

        Assert.Equal(ClockTrust.Neither, verdict.Trust);
        Assert.Contains("the RTC is 02:00:00 behind the system clock", verdict.Disagreement, StringComparison.Ordinal);
        Assert.StartsWith("trust neither", verdict.Advice, StringComparison.Ordinal);
        var store = new StoreClock(keeper.Clock, Options.Create(new OmnichannelOptions()), [keeper]);
        Assert.False(store.Plausible);
        Assert.Equal(verdict.Disagreement, store.Reason);
    }

    [Fact]
    public void WithNoNtp_TheSystemClocksDrift_IsFollowed_ButASystemClockSetByHand_IsADisagreement_UntilNtpSettlesIt()
    {
        SimulatedDs3231 chip = SetChip(True);
        var system = new JumpingClock(True);
        _ntp = false;
        using RtcKeeper keeper = Keeper(chip, system);
        Assert.Equal(ClockTrust.Rtc, keeper.Check().Trust);

        // A week offline: the Pi's crystal gains 3 s a day on the DS3231's.
        for (int day = 0; day < 7; day++)
        {
            system.Advance(TimeSpan.FromDays(1));
            system.Jump(TimeSpan.FromSeconds(3)); // too small for a step: drift
            _rtcTime.Advance(TimeSpan.FromDays(1));
            Assert.Equal(ClockTrust.Rtc, keeper.Check().Trust);
        }

        Assert.Null(keeper.Disagreement);
        Assert.InRange((keeper.Clock.GetUtcNow() - _rtcTime.GetUtcNow()).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(2));

        system.Jump(TimeSpan.FromMinutes(30)); // someone set the system clock by hand
        Assert.Equal(ClockTrust.Neither, keeper.Check().Trust);
        Assert.NotNull(keeper.Disagreement);

        _ntp = true;
        Assert.Equal(ClockTrust.Ntp, keeper.Check().Trust);
        Assert.Null(keeper.Disagreement);
        Assert.Equal(system.GetUtcNow(), new Ds3231Clock(new UnownedI2cDevice(chip)).Read().Utc);
    }

    [Fact]
    public void NtpThatSlewsTheClockInsteadOfSteppingIt_StillEndsTheOffset()
    {
        SimulatedDs3231 chip = SetChip(True);
        var system = new JumpingClock(True - TimeSpan.FromMinutes(10));
        _ntp = false;
        using RtcKeeper keeper = Keeper(chip, system);
        Assert.Equal(TimeSpan.FromMinutes(10), keeper.Clock.Offset);

        _ntp = true; // chrony synchronised by slewing: no step to see
        Assert.Equal(ClockTrust.Ntp, keeper.Check().Trust);
        Assert.Equal(TimeSpan.Zero, keeper.Clock.Offset);
        Assert.Equal(system.GetUtcNow(), keeper.Clock.GetUtcNow());
    }

    [Fact]
    public void AHealthyRtcReadASecondOff_IsNotSetAgainAtEveryCheck()
    {
        SimulatedDs3231 chip = SetChip(True);
        var system = new JumpingClock(True + TimeSpan.FromMilliseconds(1900)); // the chip holds whole seconds
        _ntp = true;
        using RtcKeeper keeper = Keeper(chip, system);
        keeper.Check(); // sets it once: it was never set by this gateway
        int writes = chip.Writes;
        for (int i = 0; i < 10; i++)
        {
            system.Advance(TimeSpan.FromMinutes(1));
            _rtcTime.Advance(TimeSpan.FromMinutes(1));
            keeper.Check();
        }

        Assert.Equal(writes, chip.Writes);
    }

    [Fact]
    public void AnRtcWhoseOscillatorStopped_IsNotTrusted_TheSystemClockIsAllThereIs_AndNtpSetsIt()
    {
        SimulatedDs3231 chip = SetChip(True - TimeSpan.FromDays(300));
        chip.LoseBattery();
        var system = new FakeTimeProvider(True - TimeSpan.FromDays(3));
        _ntp = false;
        using RtcKeeper keeper = Keeper(chip, system);
        ClockVerdict verdict = keeper.Check();

        Assert.Equal((ClockTrust.System, TimeSpan.Zero, (string?)null), (verdict.Trust, keeper.Clock.Offset, verdict.Disagreement));
        Assert.Contains("oscillator stopped", verdict.Advice, StringComparison.Ordinal);

        chip.PowerOn();
        system.Advance(TimeSpan.FromDays(3));
        _ntp = true;
        Assert.Equal(ClockTrust.Ntp, keeper.Check().Trust);
        Assert.Equal(True, new Ds3231Clock(new UnownedI2cDevice(chip)).Read().Utc);
    }

    [Fact]
    public void AnAbsentRtc_OrNone_LeavesTheSystemClock_WithTheReason()
    {
        SimulatedDs3231 chip = SetChip(True);
        chip.Absent = true;
        var system = new FakeTimeProvider(True);
        _ntp = null; // the kernel cannot be asked
        using RtcKeeper keeper = Keeper(chip, system);

        ClockVerdict verdict = keeper.Check();
        Assert.Equal(ClockTrust.System, verdict.Trust);
        Assert.Contains("no answer from the DS3231", verdict.Advice, StringComparison.Ordinal);

        using var none = new RtcKeeper(null, _options, () => false, system, Build, NullLogger.Instance);
        Assert.Equal(ClockTrust.System, none.Check().Trust);
        Assert.Null(none.Disagreement);
    }

    [Fact]
    public void AnRtcBeforeThisBuild_IsNotAdopted()
    {
        SimulatedDs3231 chip = SetChip(new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var system = new FakeTimeProvider(True);
        _ntp = false;
        using RtcKeeper keeper = Keeper(chip, system);

        Assert.Equal(TimeSpan.Zero, keeper.Clock.Offset);
        Assert.Contains("before this build", keeper.Check().Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void AnRtcMoreThanTwentyYearsAfterThisBuild_IsNotAdopted()
    {
        // A DS3231 whose registers were corrupted reads some year up to 2099: far ahead of a system clock that stopped.
        SimulatedDs3231 chip = SetChip(new DateTimeOffset(2091, 4, 7, 3, 0, 0, TimeSpan.Zero));
        var system = new FakeTimeProvider(True - TimeSpan.FromDays(3));
        _ntp = false;
        using RtcKeeper keeper = Keeper(chip, system);

        ClockVerdict verdict = keeper.Check();
        Assert.Equal(ClockTrust.System, verdict.Trust);
        Assert.Equal(TimeSpan.Zero, keeper.Clock.Offset);
        Assert.StartsWith("the RTC reads 2091-04-07T03:00:", verdict.Advice, StringComparison.Ordinal);
        Assert.Contains("more than 20 years after this build (a corrupt reading)", verdict.Advice, StringComparison.Ordinal);

        // Twenty years to the second is still believed (a gateway stored for years comes back to the RTC's time); one
        // second more is not.
        using RtcKeeper stored = Keeper(SetChip(Build.AddYears(20)), system);
        Assert.Equal(ClockTrust.Rtc, stored.Check().Trust);
        using RtcKeeper past = Keeper(SetChip(Build.AddYears(20).AddSeconds(1)), system);
        Assert.Equal(ClockTrust.System, past.Check().Trust);
    }

    private RtcKeeper Keeper(SimulatedDs3231 chip, TimeProvider system) =>
        new(new Ds3231Rtc(new Ds3231Clock(new UnownedI2cDevice(chip))), _options, () => _ntp, system, Build, NullLogger.Instance);

    private SimulatedDs3231 SetChip(DateTimeOffset at)
    {
        var chip = new SimulatedDs3231(_rtcTime);
        new Ds3231Clock(new UnownedI2cDevice(chip)).Set(at);
        return chip;
    }
}
