using System.Device.I2c;
using Iot.Device.Sht3x;

namespace Edge.Drivers.Temperature;

/// <summary>
/// A Sensirion SHT3x on I2C, read through the <c>Iot.Device.Sht3x</c> binding. The binding skips a frame whose CRC-8
/// does not match and keeps returning the temperature it read before (0 °C if none), so the frame it read is checked
/// here too: a bad CRC, an absent chip or a value outside what the chip can measure is a fault, never a temperature.
/// </summary>
public sealed class Sht3xSensor : ITemperatureSensor
{
    /// <summary>What the SHT3x measures, per its datasheet (°C).</summary>
    public const double MinCelsius = SensirionFrame.MinCelsius, MaxCelsius = SensirionFrame.MaxCelsius;

    private readonly I2cFrameWatch _bus;
    private Sht3x? _sensor;

    /// <summary>Reads the chip behind <paramref name="device"/>, which this takes over and disposes.</summary>
    public Sht3xSensor(I2cDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _bus = new I2cFrameWatch(device);
    }

    /// <summary>Where the chip is, for messages: <c>I2C bus 1, address 0x44</c>.</summary>
    public string Where => _bus.Where;

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

        return SensirionFrame.Check("SHT3x", Where, _bus.LastFrame, celsius);
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
}
