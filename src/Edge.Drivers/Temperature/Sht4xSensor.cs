using System.Device.I2c;
using Iot.Device.Sht4x;

namespace Edge.Drivers.Temperature;

/// <summary>
/// A Sensirion SHT4x on I2C (0x44 by default), read through the <c>Iot.Device.Sht4x</c> binding. The binding gives no
/// temperature for a word whose CRC-8 does not match (its <c>Temperature</c> property would return the one before), and
/// neither checks the humidity word's CRC against the temperature nor the range; the frame it read is checked here as
/// for the SHT3x: a bad CRC, an absent chip or a value outside what the chip measures is a fault, never a temperature.
/// </summary>
public sealed class Sht4xSensor : ITemperatureSensor
{
    /// <summary>The address the SHT40-AD1B answers at (the -BD1B answers at 0x45).</summary>
    public const int DefaultAddress = Sht4x.DefaultI2cAddress;

    private readonly I2cFrameWatch _bus;
    private Sht4x? _sensor;

    /// <summary>Reads the chip behind <paramref name="device"/>, which this takes over and disposes.</summary>
    public Sht4xSensor(I2cDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _bus = new I2cFrameWatch(device);
    }

    /// <summary>Where the chip is, for messages: <c>I2C bus 1, address 0x44</c>.</summary>
    public string Where => _bus.Where;

    /// <summary>One high-repeatability measurement (the binding sleeps 9 ms for the conversion; 1 ms more after its reset).</summary>
    public TemperatureReading Read()
    {
        double? celsius;
        try
        {
            // The binding soft-resets the chip when created: an absent chip fails here, and is tried again next time.
            _sensor ??= new Sht4x(_bus);
            _bus.Forget();
            celsius = _sensor.ReadHumidityAndTemperature(Sht4xRepeatability.High).Temperature?.DegreesCelsius;
        }
        catch (IOException ex)
        {
            _sensor = null;
            return TemperatureReading.Faulted($"no answer from the SHT4x at {Where}: {ex.Message}");
        }

        return SensirionFrame.Check("SHT4x", Where, _bus.LastFrame, celsius);
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
