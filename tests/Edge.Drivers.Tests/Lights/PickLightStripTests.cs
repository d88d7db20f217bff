using Edge.Drivers.Lights.Simulation;
using System.Drawing;
using Edge.Drivers.Lights;

namespace Edge.Drivers.Tests.Lights;

/// <summary>The <c>Iot.Device.Ws28xx</c> WS2812B binding's SPI stream, decoded back into the colours the LEDs show.</summary>
public sealed class PickLightStripTests
{
    private static readonly Color Order1 = Color.FromArgb(0, 120, 255);
    private static readonly Color Order2 = Color.FromArgb(255, 140, 0);

    [Fact]
    public void TwoOrdersOnOneStrip_ShowInTheirColours_AndTheRestStaysOff()
    {
        var wire = new SimulatedWs2812Strip(leds: 30);
        using var strip = new PickLightStrip(wire, 30);

        strip.Fill(4, 3, Order1);
        strip.Fill(20, 2, Order2);
        Assert.True(strip.Update());

        Assert.Equal(1, wire.Frames);
        for (int led = 0; led < 30; led++)
        {
            Color expected = led is >= 4 and < 7 ? Order1 : led is 20 or 21 ? Order2 : Color.Black;
            Assert.Equal(expected.ToArgb(), wire.Shown[led].ToArgb());
        }
    }

    [Fact]
    public void ColoursGoOutGreenFirst_SoRedAndGreenAreNotSwapped()
    {
        var wire = new SimulatedWs2812Strip(leds: 3);
        using var strip = new PickLightStrip(wire, 3);

        strip.Fill(0, 1, Color.FromArgb(255, 0, 0));
        strip.Fill(1, 1, Color.FromArgb(0, 255, 0));
        strip.Fill(2, 1, Color.FromArgb(1, 2, 3));
        strip.Update();

        Assert.Equal([Color.FromArgb(255, 0, 0).ToArgb(), Color.FromArgb(0, 255, 0).ToArgb(), Color.FromArgb(1, 2, 3).ToArgb()], wire.Shown.Select(c => c.ToArgb()));
    }

    [Fact]
    public void Clear_TurnsEveryLedOff()
    {
        var wire = new SimulatedWs2812Strip(leds: 10);
        using var strip = new PickLightStrip(wire, 10);
        strip.Fill(0, 10, Order1);
        strip.Update();

        strip.Clear();
        strip.Update();

        Assert.All(wire.Shown, c => Assert.Equal(Color.Black.ToArgb(), c.ToArgb()));
    }

    [Fact]
    public void AFailedWrite_IsAFault_AndTheNextUpdateWritesTheSamePicture()
    {
        var wire = new SimulatedWs2812Strip(leds: 8, bus: 1, chipSelect: 1) { FailNextWrite = true };
        using var strip = new PickLightStrip(wire, 8);
        strip.Fill(2, 2, Order2);

        Assert.False(strip.Update());
        Assert.Equal("the LED strip on SPI bus 1, chip select 1 could not be written: Error 90 performing SPI data transfer (message too long)", strip.Fault);
        Assert.Equal(0, wire.Frames);

        Assert.True(strip.Update());
        Assert.Null(strip.Fault);
        Assert.Equal(Order2.ToArgb(), wire.Shown[3].ToArgb());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(PickLightStrip.MaxLength + 1)]
    public void AStripLengthOutsideOneToTheMaximum_IsRefused(int length)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PickLightStrip(new SimulatedWs2812Strip(leds: 1), length));
    }

    [Fact]
    public void AnSpiDeviceOpenedAtTheDefaultClock_IsRefused_AsTheLedsWouldMisreadEveryBit()
    {
        // The 4.2.0 binding takes the device as opened: at spidev's usual 500 kHz each pulse is five times too long.
        var wire = new SimulatedWs2812Strip(leds: 5, settings: new System.Device.Spi.SpiConnectionSettings(0, 0) { ClockFrequency = 500_000 });

        ArgumentException ex = Assert.Throws<ArgumentException>(() => new PickLightStrip(wire, 5));
        Assert.StartsWith("the LED strip's SPI device must be opened at 2400000 Hz, mode 0, 8-bit words (use PickLightStrip.Settings), not 500000 Hz", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FillingPastTheEndOfTheStrip_IsRefused_AndChangesNothing()
    {
        var wire = new SimulatedWs2812Strip(leds: 5);
        using var strip = new PickLightStrip(wire, 5);

        Assert.Throws<ArgumentOutOfRangeException>(() => strip.Fill(3, 3, Order1));
        Assert.All(strip.Pixels, c => Assert.Equal(Color.Black.ToArgb(), c.ToArgb()));
    }
}
