using Edge.Drivers.Scales.Hx711;
using Edge.Drivers.Scales.Hx711.Simulation;
using System.Device.Gpio;

namespace Edge.Drivers.Tests.Scales;

public class Hx711Tests
{
    [Theory]
    [InlineData(5.0)]
    [InlineData(-3.25)]
    [InlineData(0.0001)]
    public void Read_ChannelAGain128_ReturnsTheSignedCodeOfTheInput(double millivolts)
    {
        using var rig = new Hx711Rig(millivolts);

        Hx711Reading reading = rig.Driver.Read();

        Assert.Equal(Hx711ReadStatus.Ok, reading.Status);
        Assert.Equal(SimulatedHx711.CodeFor(millivolts, Hx711Mode.ChannelAGain128), reading.Raw);
        Assert.Equal(Hx711Mode.ChannelAGain128, reading.Mode);
    }

    [Fact]
    public void Read_FirstFrameAfterPowerUp_WaitsOutTheSettlingTime()
    {
        using var rig = new Hx711Rig();
        DateTimeOffset start = rig.Time.GetUtcNow();

        Hx711Reading reading = rig.Driver.Read();

        Assert.True(reading.IsValid);
        // 400 ms settling at 10 SPS (datasheet p.3), then data; allow the 1 ms wait granularity.
        TimeSpan waited = rig.Time.GetUtcNow() - start;
        Assert.InRange(waited.TotalMilliseconds, 400, 402);
    }

    [Theory]
    [InlineData(Hx711DataRate.Sps10, 100)]
    [InlineData(Hx711DataRate.Sps80, 12.5)]
    public void Read_Continuously_DeliversOneFramePerConversionPeriod(Hx711DataRate rate, double periodMs)
    {
        using var rig = new Hx711Rig(rate: rate);
        rig.Driver.Read();
        DateTimeOffset start = rig.Time.GetUtcNow();

        for (int i = 0; i < 20; i++)
        {
            Assert.True(rig.Driver.Read().IsValid);
        }

        double perFrame = (rig.Time.GetUtcNow() - start).TotalMilliseconds / 20;
        Assert.InRange(perFrame, periodMs - 0.2, periodMs + 0.2);
    }

    [Theory]
    [InlineData(Hx711Mode.ChannelAGain64, 27)]
    [InlineData(Hx711Mode.ChannelBGain32, 26)]
    public void SetMode_SendsThePulseCountAndDiscardsTheFrameConvertedInTheOldMode(Hx711Mode mode, int pulses)
    {
        using var rig = new Hx711Rig(millivoltsA: 5, millivoltsB: 30);
        Assert.True(rig.Driver.Read().IsValid);

        rig.Driver.SetMode(mode);
        Hx711Reading stale = rig.Driver.Read();
        Hx711Reading fresh = rig.Driver.Read();

        Assert.Equal(Hx711ReadStatus.Settling, stale.Status);
        Assert.Equal(Hx711Mode.ChannelAGain128, stale.Mode);
        Assert.Equal(Hx711ReadStatus.Ok, fresh.Status);
        Assert.Equal(mode, fresh.Mode);
        Assert.Equal((Hx711Mode)pulses, rig.Chip.CurrentMode);
        double input = mode == Hx711Mode.ChannelBGain32 ? 30 : 5;
        Assert.Equal(SimulatedHx711.CodeFor(input, mode), fresh.Raw);
    }

    [Theory]
    [InlineData(SimulatedHx711Fault.Disconnected)]
    public void Read_ChipNeverReady_ReturnsNotRespondingAtTheDeadline(SimulatedHx711Fault fault)
    {
        using var rig = new Hx711Rig();
        rig.Chip.Fault = fault;
        DateTimeOffset start = rig.Time.GetUtcNow();

        Hx711Reading reading = rig.Driver.Read();

        Assert.Equal(Hx711ReadStatus.NotResponding, reading.Status);
        Assert.Equal(1, rig.Driver.Timeouts);
        // Deadline: 2 conversion periods plus the remaining settling time after power-up.
        Assert.InRange((rig.Time.GetUtcNow() - start).TotalMilliseconds, 600, 610);
    }

    [Fact]
    public void Read_ExplicitReadyTimeout_IsHonoured()
    {
        using var rig = new Hx711Rig(options: new Hx711Options { ReadyTimeout = TimeSpan.FromMilliseconds(30) });
        rig.Chip.Fault = SimulatedHx711Fault.Disconnected;
        DateTimeOffset start = rig.Time.GetUtcNow();

        Assert.Equal(Hx711ReadStatus.NotResponding, rig.Driver.Read().Status);
        Assert.InRange((rig.Time.GetUtcNow() - start).TotalMilliseconds, 30, 32);
    }

    [Fact]
    public void Read_ChipRecoversAfterBeingUnplugged_ReadsAgain()
    {
        using var rig = new Hx711Rig();
        rig.Chip.Fault = SimulatedHx711Fault.Disconnected;
        Assert.Equal(Hx711ReadStatus.NotResponding, rig.Driver.Read().Status);

        rig.Chip.Fault = SimulatedHx711Fault.None;

        Assert.True(rig.Driver.Read().IsValid);
    }

    [Fact]
    public void Read_HighPhaseAbovePowerDownLimit_RejectsFrameAndDiscardsTheNext()
    {
        using var rig = new Hx711Rig(millivoltsA: 4);
        rig.Driver.SetMode(Hx711Mode.ChannelAGain64);
        rig.Driver.Read();
        Assert.True(rig.Driver.Read().IsValid);
        rig.StallOnRisingEdge(edge: 10, TimeSpan.FromMicroseconds(70));

        Hx711Reading broken = rig.Driver.Read();
        Hx711Reading settling = rig.Driver.Read();
        Hx711Reading next = rig.Driver.Read();

        Assert.Equal(Hx711ReadStatus.TimingViolation, broken.Status);
        Assert.True(broken.LongestHighPhase >= TimeSpan.FromMicroseconds(70));
        Assert.Equal(1, rig.Chip.PowerDowns);
        // The chip reset to A/128 when the clock fell; the driver knows and throws that frame away.
        Assert.Equal(Hx711ReadStatus.Settling, settling.Status);
        Assert.Equal(Hx711ReadStatus.Ok, next.Status);
        Assert.Equal(SimulatedHx711.CodeFor(4, Hx711Mode.ChannelAGain64), next.Raw);
    }

    [Fact]
    public void Read_HighPhaseBetweenT3MaxAndPowerDown_IsRejectedAlthoughTheChipStayedUp()
    {
        using var rig = new Hx711Rig();
        rig.Driver.Read();
        rig.StallOnRisingEdge(edge: 3, TimeSpan.FromMicroseconds(52));

        Hx711Reading reading = rig.Driver.Read();

        Assert.Equal(Hx711ReadStatus.TimingViolation, reading.Status);
        Assert.Equal(0, rig.Chip.PowerDowns);
    }

    [Fact]
    public void Read_A55MicrosecondHighPhase_DiscardsThatFrameOnly_AndTheNextIsAcceptedWithoutSettling()
    {
        // A thread pre-empted mid-pulse on a loaded Pi: past T3 max (50 µs), short of power-down (60 µs).
        using var rig = new Hx711Rig(millivoltsA: 4);
        rig.Driver.SetMode(Hx711Mode.ChannelAGain64);
        rig.Driver.Read();
        Assert.True(rig.Driver.Read().IsValid);
        rig.StallOnRisingEdge(edge: 12, TimeSpan.FromMicroseconds(55));
        long rejectedBefore = rig.Driver.FramesRejected;

        Hx711Reading stretched = rig.Driver.Read();
        DateTimeOffset after = rig.Time.GetUtcNow();
        Hx711Reading next = rig.Driver.Read();

        Assert.Equal(Hx711ReadStatus.TimingViolation, stretched.Status);
        Assert.InRange(stretched.LongestHighPhase.TotalMicroseconds, 55, 58);
        Assert.Equal(0, rig.Chip.PowerDowns);
        Assert.Equal(Hx711ReadStatus.Ok, next.Status); // no 400 ms settle, no second frame thrown away
        Assert.Equal(SimulatedHx711.CodeFor(4, Hx711Mode.ChannelAGain64), next.Raw); // still in the mode asked for
        Assert.True(rig.Time.GetUtcNow() - after < TimeSpan.FromMilliseconds(150), $"the next frame came {(rig.Time.GetUtcNow() - after).TotalMilliseconds} ms later");
        Assert.Equal(rejectedBefore + 1, rig.Driver.FramesRejected); // the stretched frame alone
    }

    [Fact]
    public void Read_HighPhasesWithinLimit_AreMeasuredAndAccepted()
    {
        using var rig = new Hx711Rig();
        rig.Driver.Read();
        rig.StallOnRisingEdge(edge: 24, TimeSpan.FromMicroseconds(30));

        Hx711Reading reading = rig.Driver.Read();

        Assert.Equal(Hx711ReadStatus.Ok, reading.Status);
        Assert.InRange(reading.LongestHighPhase.TotalMicroseconds, 30, 33);
    }

    [Theory]
    [InlineData(25.0, 0x7FFFFF)]
    [InlineData(-25.0, -0x800000)]
    public void Read_InputBeyondFullScale_IsFlaggedSaturatedNotReturnedAsWeight(double millivolts, int code)
    {
        using var rig = new Hx711Rig(millivolts);

        Hx711Reading reading = rig.Driver.Read();

        Assert.Equal(Hx711ReadStatus.Saturated, reading.Status);
        Assert.False(reading.IsValid);
        Assert.Equal(code, reading.Raw);
    }

    [Fact]
    public void Read_FloatingDout_RejectsMostFramesAndNeverHangs()
    {
        using var rig = new Hx711Rig();
        rig.Chip.Fault = SimulatedHx711Fault.FloatingDout;
        var statuses = new List<Hx711ReadStatus>();

        for (int i = 0; i < 400; i++)
        {
            statuses.Add(rig.Driver.Read().Status);
        }

        // A line that reads random bits passes the two ready reads and the two release reads one time in 16.
        int passed = statuses.Count(s => s is Hx711ReadStatus.Ok or Hx711ReadStatus.Saturated);
        Assert.InRange(passed, 0, 400 / 8);
        Assert.Contains(Hx711ReadStatus.Garbled, statuses);
    }

    [Fact]
    public void PowerDown_HoldsClockHigh_ChipSleepsAndReadsReportPoweredDown()
    {
        using var rig = new Hx711Rig();
        rig.Driver.Read();

        rig.Driver.PowerDown();
        rig.Board.Advance(TimeSpan.FromMicroseconds(100));

        Assert.True(rig.Chip.IsPoweredDown);
        Assert.Equal(Hx711ReadStatus.PoweredDown, rig.Driver.Read().Status);
    }

    [Fact]
    public void PowerUp_AfterPowerDown_SettlesThenReadsInTheRequestedMode()
    {
        using var rig = new Hx711Rig(millivoltsA: 2);
        rig.Driver.SetMode(Hx711Mode.ChannelAGain64);
        rig.Driver.Read();
        rig.Driver.Read();
        rig.Driver.PowerDown();
        rig.Board.Advance(TimeSpan.FromMilliseconds(5));

        rig.Driver.PowerUp();
        Hx711Reading first = rig.Driver.Read();
        Hx711Reading second = rig.Driver.Read();

        Assert.False(rig.Chip.IsPoweredDown);
        Assert.Equal(Hx711ReadStatus.Settling, first.Status); // converted in A/128 after the reset
        Assert.Equal(Hx711ReadStatus.Ok, second.Status);
        Assert.Equal(SimulatedHx711.CodeFor(2, Hx711Mode.ChannelAGain64), second.Raw);
    }

    [Fact]
    public void Reset_HoldsTheClockHighPastThePowerDownLimit_AndTheChipSettlesAgain()
    {
        using var rig = new Hx711Rig(millivoltsA: 3);
        Assert.True(rig.Driver.Read().IsValid);
        DateTimeOffset before = rig.Time.GetUtcNow();

        rig.Driver.Reset();
        Hx711Reading after = rig.Driver.Read();

        Assert.Equal(1, rig.Chip.PowerDowns);
        Assert.False(rig.Chip.IsPoweredDown);
        Assert.Equal(Hx711ReadStatus.Ok, after.Status);
        // The first frame after the reset only comes after the 400 ms settling time.
        Assert.True(rig.Time.GetUtcNow() - before >= TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public void Read_SteadyState_AllocatesNothingBeyondWhatGpioControllerWriteItselfAllocates()
    {
        // Real clock at 80 SPS (0.6 s): FakeTimeProvider allocates when its timers are re-armed, the system one does not.
        var board = new SimulatedGpioBoard();
        board.Attach(new SimulatedHx711(_ => 3.0, Hx711DataRate.Sps80), Hx711Rig.Dout, Hx711Rig.Sck);
        using var controller = new GpioController(board);
        using var driver = new Hx711(Hx711Rig.Dout, Hx711Rig.Sck, new Hx711Options { DataRate = Hx711DataRate.Sps80 }, controller, shouldDispose: false);
        for (int i = 0; i < 10; i++)
        {
            driver.Read();
        }

        // GpioController.Write (System.Device.Gpio 4.2) allocates on every call, even on a board that does not;
        // measure that so the assertion is about the driver's own code.
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            controller.Write(Hx711Rig.Sck, PinValue.Low);
        }

        long perWrite = (GC.GetAllocatedBytesForCurrentThread() - before) / 100;

        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 40; i++)
        {
            // On the real clock a loaded machine can pre-empt a pulse; rejected frames must not allocate either.
            driver.Read();
        }

        long perSample = (GC.GetAllocatedBytesForCurrentThread() - before) / 40;
        const int writesPerSample = 2 * 25;
        // A per-bit allocation in the driver would add at least 24 x 24 bytes.
        Assert.InRange(perSample - (writesPerSample * perWrite), long.MinValue, 64);
    }

    [Fact]
    public void Constructor_PinOutsideTheChip_FailsWithTheStatedPins()
    {
        var board = new SimulatedGpioBoard(pinCount: 28);
        using var controller = new GpioController(board);

        var ex = Assert.Throws<Hx711Exception>(() => new Hx711(40, 41, gpioController: controller, shouldDispose: false));

        Assert.Contains("DOUT=40", ex.Message, StringComparison.Ordinal);
        Assert.Contains("PD_SCK=41", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_SamePinForBoth_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => new Hx711(5, 5, gpioController: new GpioController(new SimulatedGpioBoard())));
    }
}
