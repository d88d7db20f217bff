using Edge.Drivers.I2c;
using Edge.Drivers.Temperature;

namespace Edge.Gateway.Temperature;

/// <summary>Opens each case's sensor: on the real buses, or on the simulated store's chips.</summary>
public interface ICaseSensorFactory
{
    /// <summary>The sensor <paramref name="options"/> describes; never throws (a bus that cannot be opened is a sensor that reads as faulted).</summary>
    ITemperatureSensor Open(CaseOptions options);
}

/// <summary>
/// The sensors on the machine's own I2C buses (through TCA9548A multiplexers where configured) and 1-Wire. The buses
/// are shared by the sensors on them and disposed after the sensors; every sensor is read from one thread (the
/// service's), as a multiplexer must stay on one channel for all of a measurement's transfers.
/// </summary>
public sealed class HardwareCaseSensors : ICaseSensorFactory, IDisposable
{
    private readonly I2cBuses _buses = new();

    /// <inheritdoc />
    public ITemperatureSensor Open(CaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Sensor == TemperatureSensorKind.Ds18b20)
        {
            return new Ds18b20Sensor(options.OneWireId!);
        }

        // Validated at start: a case with an I2C sensor has a place.
        SensorPlace place = options.Place()!;
        try
        {
            return TemperatureSensors.Open(_buses, options.Sensor, place);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException or ArgumentException)
        {
            // No /dev/i2c-N, no permission: the case reads as faulted with the reason, the rest keeps running.
            return new FaultedSensor(place.ToString(), $"cannot open {place}: {ex.Message}");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _buses.Dispose();
}

/// <summary>A sensor that could not be opened: every reading is the reason.</summary>
public sealed class FaultedSensor(string where, string reason) : ITemperatureSensor
{
    /// <inheritdoc />
    public string Where => where;

    /// <inheritdoc />
    public TemperatureReading Read() => TemperatureReading.Faulted(reason);

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
