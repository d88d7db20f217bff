using System.Device.Gpio;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Edge.Drivers.Scales.Hx711;
using Edge.Drivers.Scales.Hx711.Simulation;
using DotnetIot = Iot.Device.Hx711;

namespace Edge.Bench;

/// <summary>
/// One HX711 frame (80 SPS, A/128) read by our driver and by the dotnet/iot binding (Iot.Device.Bindings 4.2.0, the
/// baseline), each on its own copy of the same simulated chip behind a GpioController. <c>ready</c>: the clock jumps to
/// the next conversion first and pin operations cost no simulated time, so the figure is each driver's own work per
/// frame (as in <see cref="DriverBenchmarks"/>). <c>wait</c>: every pin operation costs 1 µs of chip time and the
/// driver waits for the next conversion itself: the binding spins on DOUT (DelayHelper, real clock) until it falls,
/// ours waits in GpioController.WaitForEvent, which the simulated board answers by moving the clock (on a Pi, a thread
/// blocked on the line's edge).
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class Hx711ComparisonBenchmarks
{
    private const int Dout = 5;
    private const int Sck = 6;
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(12.5);

    private readonly List<IDisposable> _owned = [];
    private Rig? _oursReady;
    private Rig? _bindingReady;
    private Rig? _oursWait;
    private Rig? _bindingWait;
    private Hx711? _ours;
    private Hx711? _oursWaiting;
    private DotnetIot.Hx711? _binding;
    private DotnetIot.Hx711? _bindingWaiting;

    [GlobalSetup]
    public void Setup()
    {
        _oursReady = NewRig(TimeSpan.Zero);
        _bindingReady = NewRig(TimeSpan.Zero);
        _oursWait = NewRig(TimeSpan.FromMicroseconds(1));
        _bindingWait = NewRig(TimeSpan.FromMicroseconds(1));
        _ours = Own(new Hx711(Dout, Sck, new Hx711Options { DataRate = Hx711DataRate.Sps80 }, _oursReady.Controller, false, _oursReady.Clock));
        _oursWaiting = Own(new Hx711(Dout, Sck, new Hx711Options { DataRate = Hx711DataRate.Sps80 }, _oursWait.Controller, false, _oursWait.Clock));
        _binding = Own(NewBinding(_bindingReady));
        _bindingWaiting = Own(NewBinding(_bindingWait));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }

        _owned.Clear();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("ready")]
    public int Binding()
    {
        _bindingReady!.Clock.Advance(Period);
        return (int)_binding!.GetWeight(numberOfReads: 1).Grams;
    }

    [Benchmark, BenchmarkCategory("ready")]
    public int Ours()
    {
        _oursReady!.Clock.Advance(Period);
        return _ours!.Read().Raw;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("wait")]
    public int BindingWaiting() => (int)_bindingWaiting!.GetWeight(numberOfReads: 1).Grams;

    [Benchmark, BenchmarkCategory("wait")]
    public int OursWaiting() => _oursWaiting!.Read().Raw;

    // A ratio of 1 makes GetWeight(1) the frame's code; offset and tare stay 0 (no PowerUp, no Tare).
    private static DotnetIot.Hx711 NewBinding(Rig rig)
    {
        var binding = new DotnetIot.Hx711(Dout, Sck, new DotnetIot.Hx711Options(), rig.Controller, shouldDispose: false);
        binding.SetConversionRatio(1);
        return binding;
    }

    private Rig NewRig(TimeSpan operationCost)
    {
        var clock = new ManualClock();
        var board = new SimulatedGpioBoard(clock, clock.Advance, operationCost);
        board.Attach(new SimulatedHx711(_ => 3.0, Hx711DataRate.Sps80), Dout, Sck);
        var controller = Own(new GpioController(board));
        // Past the 50 ms settling time, so no driver spends its first frames on it.
        clock.Advance(TimeSpan.FromMilliseconds(50));
        return new Rig(clock, controller);
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private sealed record Rig(ManualClock Clock, GpioController Controller);
}
