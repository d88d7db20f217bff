using System.Device.Gpio;
using BenchmarkDotNet.Attributes;
using Edge.Drivers.Scales.Hx711.Simulation;
using Edge.Drivers.Scales.Hx711;

namespace Edge.Bench;

/// <summary>
/// CPU cost of one HX711 frame (ready check, 25 timed pulses, integrity checks) with the wait for conversion taken
/// out: the simulated chip always has data ready, so this is the driver's own overhead per sample.
/// </summary>
[MemoryDiagnoser]
public class DriverBenchmarks
{
    private GpioController? _controller;
    private Hx711? _driver;
    private ManualClock? _clock;

    [GlobalSetup]
    public void Setup()
    {
        _clock = new ManualClock();
        var board = new SimulatedGpioBoard(_clock, _clock.Advance, TimeSpan.Zero);
        board.Attach(new SimulatedHx711(_ => 3.0, Hx711DataRate.Sps80), 5, 6);
        _controller = new GpioController(board);
        _driver = new Hx711(5, 6, new Hx711Options { DataRate = Hx711DataRate.Sps80 }, _controller, false, _clock);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _driver?.Dispose();
        _controller?.Dispose();
    }

    [Benchmark]
    public int ReadFrame()
    {
        // Jump to the next conversion so the measured time is the frame, not the wait.
        _clock!.Advance(TimeSpan.FromMilliseconds(12.5));
        return _driver!.Read().Raw;
    }
}
