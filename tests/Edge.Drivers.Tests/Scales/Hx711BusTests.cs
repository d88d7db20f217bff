using Edge.Drivers.Scales.Hx711;
using Edge.Drivers.Scales.Hx711.Simulation;
using Microsoft.Extensions.Time.Testing;
using System.Device.Gpio;

namespace Edge.Drivers.Tests.Scales;

public class Hx711BusTests
{
    private sealed class RecordingSink : IHx711Sink
    {
        public List<(int Channel, Hx711ReadStatus Status, int Raw)> Readings { get; } = [];

        public void OnReading(int channel, in Hx711Reading reading) => Readings.Add((channel, reading.Status, reading.Raw));
    }

    [Fact]
    public void Step_ADeadChip_IsSkippedForTheRetryInterval_WhileTheOthersKeepReading()
    {
        var time = new FakeTimeProvider();
        var board = new SimulatedGpioBoard(time, time.Advance);
        var good = new SimulatedHx711(_ => 1.0) { InputNoiseNanovolts = 0 };
        var dead = new SimulatedHx711(_ => 2.0) { Fault = SimulatedHx711Fault.Disconnected };
        board.Attach(good, 5, 6);
        board.Attach(dead, 7, 8);
        using var controller = new GpioController(board);
        using var a = new Hx711(5, 6, gpioController: controller, shouldDispose: false, timeProvider: time);
        using var b = new Hx711(7, 8, gpioController: controller, shouldDispose: false, timeProvider: time);
        var sink = new RecordingSink();
        using var bus = new Hx711Bus([a, b], sink, faultRetry: TimeSpan.FromSeconds(2), timeProvider: time);

        Assert.Equal(2, bus.Step());
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(1, bus.Step()); // about a second of 10 SPS: only the good chip is read
        }

        Assert.Equal((1, Hx711ReadStatus.NotResponding, 0), sink.Readings[1]);
        Assert.Equal(11, sink.Readings.Count(r => r.Channel == 0 && r.Status == Hx711ReadStatus.Ok && r.Raw == SimulatedHx711.CodeFor(1.0, Hx711Mode.ChannelAGain128)));

        time.Advance(TimeSpan.FromSeconds(2));
        dead.Fault = SimulatedHx711Fault.None;
        Assert.Equal(2, bus.Step());
        Assert.Equal(Hx711ReadStatus.Ok, sink.Readings[^1].Status);
        Assert.Equal(1, sink.Readings[^1].Channel);
    }

    [Fact]
    public void Start_ReadsOnItsOwnThread_UntilDisposed()
    {
        var board = new SimulatedGpioBoard();
        board.Attach(new SimulatedHx711(_ => 1.0, Hx711DataRate.Sps80), 5, 6);
        using var controller = new GpioController(board);
        using var chip = new Hx711(5, 6, new Hx711Options { DataRate = Hx711DataRate.Sps80 }, controller, shouldDispose: false);
        var got = new ManualResetEventSlim();
        var sink = new ThreadSink(got);
        var bus = new Hx711Bus([chip], sink, "test-bus");

        bus.Start();
        Assert.True(got.Wait(TimeSpan.FromSeconds(30)), "no reading within 30 s");
        bus.Dispose();

        Assert.Equal("test-bus", sink.ThreadName);
    }

    private sealed class ThreadSink(ManualResetEventSlim got) : IHx711Sink
    {
        public string? ThreadName { get; private set; }

        public void OnReading(int channel, in Hx711Reading reading)
        {
            if (reading.IsValid)
            {
                ThreadName ??= Thread.CurrentThread.Name;
                got.Set();
            }
        }
    }
}
