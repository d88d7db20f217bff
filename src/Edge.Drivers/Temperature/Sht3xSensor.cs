using System.Device.I2c;
using System.Globalization;
using Iot.Device.Sht3x;

namespace Edge.Drivers.Temperature;

/// <summary>A temperature, or why there is none.</summary>
/// <param name="Celsius">The temperature; null when the sensor is faulted.</param>
/// <param name="Fault">Why there is no temperature; null when there is one.</param>
public sealed record TemperatureReading(double? Celsius, string? Fault)
{
    /// <summary>A reading the sensor gave and the checks passed.</summary>
    public static TemperatureReading Of(double celsius) => new(celsius, null);

    /// <summary>No temperature, for <paramref name="reason"/>.</summary>
    public static TemperatureReading Faulted(string reason) => new(null, reason);
}

/// <summary>
/// A Sensirion SHT3x on I2C, read through the <c>Iot.Device.Sht3x</c> binding. The binding skips a frame whose CRC-8
/// does not match and keeps returning the temperature it read before (0 °C if none), so the frame it read is checked
/// here too: a bad CRC, an absent chip or a value outside what the chip can measure is a fault, never a temperature.
/// </summary>
public sealed class Sht3xSensor : IDisposable
{
    /// <summary>What the SHT3x measures, per its datasheet (°C).</summary>
    public const double MinCelsius = -40, MaxCelsius = 125;

    private readonly FrameWatch _bus;
    private Sht3x? _sensor;

    /// <summary>Reads the chip behind <paramref name="device"/>, which this takes over and disposes.</summary>
    public Sht3xSensor(I2cDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _bus = new FrameWatch(device);
    }

    /// <summary>Where the chip is, for messages: <c>I2C bus 1, address 0x44</c>.</summary>
    public string Where => I2cWhere.Of(_bus);

    /// <summary>One measurement (about 20 ms: the binding waits for the conversion).</summary>
    public TemperatureReading Read()
    {
        double celsius;
        try
        {
            // The binding resets the chip when created: an absent chip fails here, and is tried again next time.
            _sensor ??= new Sht3x(_bus, Resolution.High);
            _bus.Forget();
            celsius = _sensor.Temperature.DegreesCelsius;
        }
        catch (IOException ex)
        {
            _sensor = null;
            return TemperatureReading.Faulted($"no answer from the SHT3x at {Where}: {ex.Message}");
        }

        if (_bus.LastFrame is not { Length: 6 } frame)
        {
            return TemperatureReading.Faulted($"the SHT3x at {Where} sent no measurement");
        }

        if (Crc8(frame.AsSpan(0, 2)) != frame[2] || Crc8(frame.AsSpan(3, 2)) != frame[5])
        {
            return TemperatureReading.Faulted(string.Create(CultureInfo.InvariantCulture, $"bad CRC from the SHT3x at {Where} (frame {Convert.ToHexString(frame)})"));
        }

        return celsius is < MinCelsius or > MaxCelsius || !double.IsFinite(celsius)
            ? TemperatureReading.Faulted(string.Create(CultureInfo.InvariantCulture, $"impossible value {celsius:0.0} °C from the SHT3x at {Where} (it measures {MinCelsius} to {MaxCelsius} °C)"))
            : TemperatureReading.Of(celsius);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_sensor is not null)
        {
            _sensor.Dispose(); // disposes the bus it was given
        }
        else
        {
            _bus.Dispose();
        }
    }

    /// <summary>Sensirion's CRC-8: polynomial 0x31, initial value 0xFF, over each 16-bit word.</summary>
    internal static byte Crc8(ReadOnlySpan<byte> data)
    {
        byte crc = 0xFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x80) != 0 ? (byte)((crc << 1) ^ 0x31) : (byte)(crc << 1);
            }
        }

        return crc;
    }

    // The bus as the binding sees it, remembering the last measurement frame it read.
    private sealed class FrameWatch(I2cDevice inner) : I2cDevice
    {
        public byte[]? LastFrame { get; private set; }

        public override I2cConnectionSettings ConnectionSettings => inner.ConnectionSettings;

        public void Forget() => LastFrame = null;

        public override byte ReadByte() => inner.ReadByte();

        public override void Read(Span<byte> buffer)
        {
            inner.Read(buffer);
            LastFrame = buffer.ToArray();
        }

        public override void WriteByte(byte value) => inner.WriteByte(value);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
        {
            inner.WriteRead(writeBuffer, readBuffer);
            LastFrame = readBuffer.ToArray();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
