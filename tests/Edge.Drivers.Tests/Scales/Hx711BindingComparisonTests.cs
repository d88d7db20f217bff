using Edge.Drivers.Scales.Hx711;
using Edge.Drivers.Scales.Hx711.Simulation;
using Binding = Iot.Device.Hx711;

namespace Edge.Drivers.Tests.Scales;

/// <summary>
/// Our driver and the dotnet/iot binding (<c>Iot.Device.Hx711</c> in Iot.Device.Bindings 4.2.0) as peers. Each scenario
/// builds two identical rigs (same simulated chip, input and seed, a GpioController over the simulated board) and runs one
/// driver on each; the binding's half pins what it really does, which is why the gateway keeps its own driver.
/// </summary>
/// <remarks>
/// The binding waits for DOUT by spinning on the real clock (DelayHelper) and has no deadline, so every call to it runs
/// on its own thread under a bound. On the simulated board each pin operation costs 1 µs of chip time and the binding
/// does nothing else that moves the fake clock: how far the clock has moved while it waits is how often it read DOUT.
/// </remarks>
public class Hx711BindingComparisonTests
{
    // A binding call expected to return gets this long (real time) before the test fails rather than hangs.
    private static readonly TimeSpan ReturnBound = TimeSpan.FromSeconds(30);

    // Both rigs start with the chip powered for its settling time, so neither driver's first frame is the settling wait.
    private static readonly TimeSpan Settling = TimeSpan.FromMilliseconds(400);

    [Theory]
    [InlineData(5.0)]
    [InlineData(-3.25)]
    public async Task NormalFrame_BothReturnTheCodeOfTheInput(double millivolts)
    {
        using var ours = NewRig(millivolts);
        using var theirs = NewRig(millivolts);
        using Binding.Hx711 binding = BindingOn(theirs);
        int code = SimulatedHx711.CodeFor(millivolts, Hx711Mode.ChannelAGain128);

        Hx711Reading reading = ours.Driver.Read();
        int value = await ReadBoundedAsync(binding);

        Assert.Equal(Hx711ReadStatus.Ok, reading.Status);
        Assert.Equal(code, reading.Raw);
        Assert.Equal(code, value);
    }

    [Fact]
    public async Task ChipAbsent_OursReportsNotRespondingAtItsDeadline_TheBindingPollsDoutUntilTheChipAppears()
    {
        using var ours = NewRig();
        using var theirs = NewRig();
        using Binding.Hx711 binding = BindingOn(theirs);
        ours.Chip.Fault = SimulatedHx711Fault.Disconnected;
        theirs.Chip.Fault = SimulatedHx711Fault.Disconnected;
        DateTimeOffset oursStart = ours.Time.GetUtcNow();
        DateTimeOffset theirsStart = theirs.Time.GetUtcNow();

        Hx711Reading reading = ours.Driver.Read();
        Task<int> pending = StartBindingRead(binding);
        // 1 µs of chip time per DOUT read: wait until the binding has read DOUT 300 000 times (a bounded wait on an
        // observed effect, not a sleep), 1.5 times as long as our driver waits before it gives up.
        TimeSpan watched = TimeSpan.FromMilliseconds(300);
        bool polledThatLong = await WaitUntilAsync(() => theirs.Time.GetUtcNow() - theirsStart >= watched || pending.IsCompleted);
        bool stillWaiting = !pending.IsCompleted;
        // Plug the chip in: the binding's loop ends only because a conversion finally pulls DOUT low.
        theirs.Chip.Fault = SimulatedHx711Fault.None;
        int value = await pending.WaitAsync(ReturnBound);

        Assert.Equal(Hx711ReadStatus.NotResponding, reading.Status);
        // Two conversion periods at 10 SPS (the chip had settled), plus a few 1 µs pin operations.
        Assert.InRange((ours.Time.GetUtcNow() - oursStart).TotalMilliseconds, 200, 201);
        Assert.True(polledThatLong, "the binding did not poll DOUT for 300 ms of chip time within the bound");
        Assert.True(stillWaiting, "the binding returned a value while no chip was connected");
        Assert.Equal(SimulatedHx711.CodeFor(5.0, Hx711Mode.ChannelAGain128), value);
    }

    [Fact]
    public async Task HighPhaseStretchedPast60Microseconds_OursRejectsTheFrame_TheBindingReturnsAWrongValue()
    {
        // The reading thread loses the CPU for 80 µs right after the 12th rising edge: the chip powers down mid-frame,
        // resets when the clock falls, and from then on DOUT reads high (no data) for the rest of the frame.
        using var ours = NewRig(millivoltsA: 5);
        using var theirs = NewRig(millivoltsA: 5);
        using Binding.Hx711 binding = BindingOn(theirs);
        ours.StallOnRisingEdge(edge: 12, TimeSpan.FromMicroseconds(80));
        theirs.StallOnRisingEdge(edge: 12, TimeSpan.FromMicroseconds(80));
        int code = SimulatedHx711.CodeFor(5, Hx711Mode.ChannelAGain128);

        Hx711Reading reading = ours.Driver.Read();
        int value = await ReadBoundedAsync(binding);

        Assert.Equal(Hx711ReadStatus.TimingViolation, reading.Status);
        Assert.True(reading.LongestHighPhase >= TimeSpan.FromMicroseconds(80));
        Assert.Equal(1, ours.Chip.PowerDowns);
        Assert.Equal(1, theirs.Chip.PowerDowns);
        // Bits 12 to 24 (the low 13 bits) read as ones: 0x200000 becomes 0x201FFF, 0.4 % heavy, with no sign of trouble.
        Assert.Equal(code | 0x1FFF, value);
        Assert.NotEqual(code, value);
    }

    [Theory]
    [InlineData(25.0, 0x7FFFFF)]
    [InlineData(-25.0, -0x800000)]
    public async Task SaturatedCode_OursFlagsIt_TheBindingReturnsItAsAWeight(double millivolts, int saturation)
    {
        using var ours = NewRig(millivolts);
        using var theirs = NewRig(millivolts);
        using Binding.Hx711 binding = BindingOn(theirs);

        Hx711Reading reading = ours.Driver.Read();
        int value = await ReadBoundedAsync(binding);

        Assert.Equal(Hx711ReadStatus.Saturated, reading.Status);
        Assert.False(reading.IsValid);
        Assert.Equal(saturation, reading.Raw);
        Assert.Equal(saturation, value);
    }

    [Fact]
    public async Task FloatingDout_OursRejectsMostFrames_TheBindingReturnsNoiseAsEveryValue()
    {
        const int Frames = 64;
        using var ours = NewRig();
        using var theirs = NewRig();
        using Binding.Hx711 binding = BindingOn(theirs);
        ours.Chip.Fault = SimulatedHx711Fault.FloatingDout;
        theirs.Chip.Fault = SimulatedHx711Fault.FloatingDout;
        int code = SimulatedHx711.CodeFor(5.0, Hx711Mode.ChannelAGain128);

        var statuses = new List<Hx711ReadStatus>();
        for (int i = 0; i < Frames; i++)
        {
            statuses.Add(ours.Driver.Read().Status);
        }

        var values = new List<int>();
        for (int i = 0; i < Frames; i++)
        {
            values.Add(await ReadBoundedAsync(binding));
        }

        // Random reads pass our two ready and two release reads one time in 16 (see Hx711Tests): a few noise frames
        // do come through as Ok; the rest are Garbled, or Settling right after a Garbled one.
        int accepted = statuses.Count(s => s is Hx711ReadStatus.Ok or Hx711ReadStatus.Saturated);
        Assert.InRange(accepted, 0, Frames / 8);
        Assert.True(statuses.Count(s => s == Hx711ReadStatus.Garbled) >= Frames / 2, string.Join(",", statuses));
        // The binding returns every frame, each a different random code, none of them the input.
        Assert.Equal(Frames, values.Count);
        Assert.True(values.Distinct().Count() >= Frames - 2, string.Join(",", values));
        Assert.DoesNotContain(code, values);
    }

    private static Hx711Rig NewRig(double millivoltsA = 5.0)
    {
        var rig = new Hx711Rig(millivoltsA);
        rig.Board.Advance(Settling);
        return rig;
    }

    // The binding on a rig's controller in place of our driver: ours only ever drove PD_SCK low (where it already was),
    // so the chip is as fresh as the other rig's. A conversion ratio of 1 makes GetWeight(1) return the frame's code
    // (GetWeight rounds (code - offset - tare) / ratio, and offset and tare stay 0 until PowerUp or Tare is called).
    private static Binding.Hx711 BindingOn(Hx711Rig rig)
    {
        rig.Driver.Dispose();
        var binding = new Binding.Hx711(Hx711Rig.Dout, Hx711Rig.Sck, new Binding.Hx711Options(), rig.Controller, shouldDispose: false);
        binding.SetConversionRatio(1);
        return binding;
    }

    private static Task<int> StartBindingRead(Binding.Hx711 binding)
        => Task.Factory.StartNew(() => (int)binding.GetWeight(numberOfReads: 1).Grams, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static Task<int> ReadBoundedAsync(Binding.Hx711 binding) => StartBindingRead(binding).WaitAsync(ReturnBound);

    private static async Task<bool> WaitUntilAsync(Func<bool> condition)
    {
        var bound = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (bound.Elapsed > ReturnBound)
            {
                return false;
            }

            // Polls the observed effect; the binding spins one core already, so this thread does not spin the other.
            await Task.Delay(5);
        }

        return true;
    }
}
