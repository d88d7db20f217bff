using Edge.Drivers.Scales.Hx711;
using Edge.Drivers.Scales.Hx711.Simulation;
using Microsoft.Extensions.Time.Testing;
using System.Device.Gpio;

namespace Edge.Drivers.Tests.Scales;

/// <summary>The real driver wired to one simulated chip on a board that runs on fake time.</summary>
internal sealed class Hx711Rig : IDisposable
{
    public const int Dout = 5;
    public const int Sck = 6;

    public Hx711Rig(double millivoltsA = 5.0, double millivoltsB = 10.0, Hx711Options? options = null, Hx711DataRate rate = Hx711DataRate.Sps10)
    {
        Time = new FakeTimeProvider();
        Board = new SimulatedGpioBoard(Time, Time.Advance);
        InputA = millivoltsA;
        InputB = millivoltsB;
        Chip = new SimulatedHx711(mode => mode == Hx711Mode.ChannelBGain32 ? InputB : InputA, rate) { InputNoiseNanovolts = 0 };
        Board.Attach(Chip, Dout, Sck);
        Controller = new GpioController(Board);
        options ??= new Hx711Options();
        options.DataRate = rate;
        Driver = new Hx711(Dout, Sck, options, Controller, shouldDispose: false, Time);
    }

    public FakeTimeProvider Time { get; }

    public SimulatedGpioBoard Board { get; }

    public SimulatedHx711 Chip { get; }

    public GpioController Controller { get; }

    public Hx711 Driver { get; }

    public double InputA { get; set; }

    public double InputB { get; set; }

    /// <summary>Stalls the reading thread for <paramref name="stall"/> right after the given rising edge (1-based) of the next frame.</summary>
    public void StallOnRisingEdge(int edge, TimeSpan stall)
    {
        int rising = 0;
        Board.AfterWrite = (pin, value) =>
        {
            if (pin == Sck && value == PinValue.High && ++rising == edge)
            {
                Time.Advance(stall);
                Board.AfterWrite = null;
            }
        };
    }

    public void Dispose()
    {
        Driver.Dispose();
        Controller.Dispose();
    }
}
