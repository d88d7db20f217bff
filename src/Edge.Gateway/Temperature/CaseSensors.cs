using System.Device.I2c;
using Edge.Drivers.Temperature;

namespace Edge.Gateway.Temperature;

/// <summary>One case's sensor as the service reads it: blocking (the bindings wait for the conversion), never throwing.</summary>
public interface ICaseSensor : IDisposable
{
    /// <summary>Where it is, for messages (<c>I2C bus 1, address 0x44</c>).</summary>
    string Where { get; }

    /// <summary>One measurement, or the fault that stopped it.</summary>
    TemperatureReading Read();
}

/// <summary>Opens each case's sensor: on the real buses, or on the simulated store's chips.</summary>
public interface ICaseSensorFactory
{
    /// <summary>The sensor <paramref name="options"/> describes; never throws (a bus that cannot be opened is a sensor that reads as faulted).</summary>
    ICaseSensor Open(CaseOptions options);
}

/// <summary>The sensors on the machine's own I2C buses.</summary>
public sealed class HardwareCaseSensors : ICaseSensorFactory
{
    /// <inheritdoc />
    public ICaseSensor Open(CaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = new I2cConnectionSettings(options.Bus, options.AddressValue ?? 0);
        try
        {
            return options.Sensor switch
            {
                CaseSensorKind.Sht3x => new Sht3xCaseSensor(new Sht3xSensor(I2cDevice.Create(settings))),
                _ => new FaultedSensor(I2cWhereOf(settings), $"sensor kind {options.Sensor} is not supported"),
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException or ArgumentException)
        {
            // No /dev/i2c-N, no permission: the case reads as faulted with the reason, the rest keeps running.
            return new FaultedSensor(I2cWhereOf(settings), $"cannot open I2C bus {options.Bus}: {ex.Message}");
        }
    }

    private static string I2cWhereOf(I2cConnectionSettings s) => $"I2C bus {s.BusId}, address 0x{s.DeviceAddress:x2}";
}

/// <summary>An SHT3x through its driver.</summary>
public sealed class Sht3xCaseSensor(Sht3xSensor sensor) : ICaseSensor
{
    /// <inheritdoc />
    public string Where => sensor.Where;

    /// <inheritdoc />
    public TemperatureReading Read() => sensor.Read();

    /// <inheritdoc />
    public void Dispose() => sensor.Dispose();
}

/// <summary>A sensor that could not be opened: every reading is the reason.</summary>
public sealed class FaultedSensor(string where, string reason) : ICaseSensor
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
