using System.Device.Spi;
using System.Drawing;

namespace Edge.Drivers.Lights.Simulation;

/// <summary>
/// A WS2812B strip at the end of an SPI MOSI line: the byte stream is decoded as the LEDs see the wire. Each data bit
/// is a high pulse whose length tells 0 from 1, sent as three SPI bits (100 = 0, 110 = 1, at 2.4 MHz: 0.42 µs
/// high of 1.25 µs, or 0.83 µs); the first LED keeps the first 24 bits (green, red, blue, most significant bit first)
/// and passes the rest on; colours show only after the line stays low for the 50 µs reset (15 bytes at 2.4 MHz).
/// A pulse of any other shape is a decoding error, as a glitch on the line would be.
/// </summary>
public sealed class SimulatedWs2812Strip(int leds, int bus = 0, int chipSelect = 0, SpiConnectionSettings? settings = null) : SpiDevice
{
    private const int ResetBytes = 15;
    private readonly Color[] _shown = Enumerable.Repeat(Color.Black, leds).ToArray();

    public override SpiConnectionSettings ConnectionSettings { get; } = settings ?? Edge.Drivers.Lights.PickLightStrip.Settings(bus, chipSelect);

    /// <summary>What each LED shows now.</summary>
    public IReadOnlyList<Color> Shown => _shown;

    public int Frames { get; private set; }

    /// <summary>The next write fails (a spidev error).</summary>
    public bool FailNextWrite { get; set; }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (FailNextWrite)
        {
            FailNextWrite = false;
            throw new IOException("Error 90 performing SPI data transfer (message too long)");
        }

        if (ConnectionSettings.ClockFrequency != 2_400_000 || ConnectionSettings.Mode != SpiMode.Mode0)
        {
            throw new InvalidOperationException($"the strip needs 2.4 MHz mode 0, not {ConnectionSettings.ClockFrequency} Hz {ConnectionSettings.Mode}");
        }

        int trailingZeros = 0;
        while (trailingZeros < buffer.Length && buffer[buffer.Length - 1 - trailingZeros] == 0)
        {
            trailingZeros++;
        }

        if (trailingZeros < ResetBytes)
        {
            throw new InvalidOperationException($"no reset after the data ({trailingZeros} zero bytes, 15 needed): the LEDs would not latch");
        }

        List<bool> bits = Decode(buffer[..^trailingZeros]);
        var received = new Color[leds];
        for (int led = 0; led < leds; led++)
        {
            received[led] = (led + 1) * 24 <= bits.Count ? Color.FromArgb(Byte(bits, (led * 24) + 8), Byte(bits, led * 24), Byte(bits, (led * 24) + 16)) : _shown[led];
        }

        received.CopyTo(_shown, 0);
        Frames++;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Read(Span<byte> buffer) => throw new NotSupportedException("a WS2812B has no MISO line");

    public override byte ReadByte() => throw new NotSupportedException("a WS2812B has no MISO line");

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) => Write(writeBuffer);

    private static List<bool> Decode(ReadOnlySpan<byte> wire)
    {
        var bits = new List<bool>();
        int spiBits = wire.Length * 8;
        for (int at = 0; at + 3 <= spiBits; at += 3)
        {
            int symbol = (Bit(wire, at) << 2) | (Bit(wire, at + 1) << 1) | Bit(wire, at + 2);
            bits.Add(symbol switch
            {
                0b110 => true,
                0b100 => false,
                _ => throw new InvalidOperationException($"SPI bits {at}-{at + 2} are {Convert.ToString(symbol, 2).PadLeft(3, '0')}, no WS2812B pulse"),
            });
        }

        return bits;
    }

    private static int Bit(ReadOnlySpan<byte> wire, int index) => (wire[index / 8] >> (7 - (index % 8))) & 1;

    private static int Byte(List<bool> bits, int from)
    {
        int value = 0;
        for (int i = 0; i < 8; i++)
        {
            value = (value << 1) | (bits[from + i] ? 1 : 0);
        }

        return value;
    }
}
