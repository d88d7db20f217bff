using System.Device.Spi;
using System.Drawing;
using Iot.Device.Ws28xx;

namespace Edge.Drivers.Lights;

/// <summary>
/// A WS2812B strip along the shelves, driven over SPI through the <c>Iot.Device.Ws28xx</c> binding (2.4 MHz, each
/// data bit three SPI bits, green-red-blue, a run of zero bytes to latch). The strip is written whole on every
/// <see cref="Update"/>; what was last written is kept, so a failed write is retried with the same picture.
/// </summary>
public sealed class PickLightStrip : IDisposable
{
    private readonly SpiDevice _spi;
    private readonly Ws2812b _strip;
    private readonly Color[] _pixels;

    /// <summary>Drives <paramref name="length"/> LEDs behind <paramref name="spi"/>, which this takes over and disposes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is not 1 to <see cref="MaxLength"/>.</exception>
    public PickLightStrip(SpiDevice spi, int length)
    {
        ArgumentNullException.ThrowIfNull(spi);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxLength);
        SpiConnectionSettings actual = spi.ConnectionSettings;
        if (actual.ClockFrequency != ClockFrequency || actual.Mode != SpiMode.Mode0 || actual.DataBitLength != 8)
        {
            // The binding's bit patterns are timed for this clock, and the settings are fixed when the device is opened.
            throw new ArgumentException($"the LED strip's SPI device must be opened at {ClockFrequency} Hz, mode 0, 8-bit words (use PickLightStrip.Settings), not {actual.ClockFrequency} Hz, {actual.Mode}, {actual.DataBitLength}-bit", nameof(spi));
        }

        _spi = spi;
        _strip = new Ws2812b(spi, length, 1);
        _pixels = new Color[length];
        Array.Fill(_pixels, Color.Black);
    }

    /// <summary>The SPI clock the binding's three-bits-per-bit patterns are timed for: 0.42 µs per SPI bit.</summary>
    public const int ClockFrequency = 2_400_000;

    /// <summary>How to open the strip's SPI device.</summary>
    public static SpiConnectionSettings Settings(int busId, int chipSelectLine) =>
        new(busId, chipSelectLine) { ClockFrequency = ClockFrequency, Mode = SpiMode.Mode0, DataBitLength = 8 };

    /// <summary>The longest strip one write to spidev's default 4 KiB buffer drives: 9 bytes an LED and 30 to latch.</summary>
    public const int MaxLength = 450;

    /// <summary>How many LEDs.</summary>
    public int Length => _pixels.Length;

    /// <summary>The colour each LED is to show (black = off), as set; written by <see cref="Update"/>.</summary>
    public IReadOnlyList<Color> Pixels => _pixels;

    /// <summary>Why the last write failed, or null after a good one.</summary>
    public string? Fault { get; private set; }

    /// <summary>Sets LEDs <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 to <paramref name="color"/>.</summary>
    public void Fill(int first, int count, Color color)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first + count, Length);
        Array.Fill(_pixels, color, first, count);
    }

    /// <summary>Turns every LED off (on the next <see cref="Update"/>).</summary>
    public void Clear() => Array.Fill(_pixels, Color.Black);

    /// <summary>Writes the whole strip. Returns false (and sets <see cref="Fault"/>) when the SPI write failed.</summary>
    public bool Update()
    {
        RawPixelContainer image = _strip.Image;
        for (int i = 0; i < _pixels.Length; i++)
        {
            image.SetPixel(i, 0, _pixels[i]);
        }

        try
        {
            _strip.Update();
            Fault = null;
            return true;
        }
        catch (IOException ex)
        {
            Fault = $"the LED strip on SPI bus {_spi.ConnectionSettings.BusId}, chip select {_spi.ConnectionSettings.ChipSelectLine} could not be written: {ex.Message}";
            return false;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _spi.Dispose();
}
