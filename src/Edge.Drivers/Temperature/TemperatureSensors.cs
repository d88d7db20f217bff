using Edge.Drivers.I2c;

namespace Edge.Drivers.Temperature;

/// <summary>The sensor kinds a case can have, as configuration names them (<c>sht3x</c>, <c>sht4x</c>, <c>ds18b20</c>).</summary>
public enum TemperatureSensorKind
{
    /// <summary>Sensirion SHT3x on I2C (<see cref="Sht3xSensor"/>).</summary>
    Sht3x,

    /// <summary>Sensirion SHT4x on I2C (<see cref="Sht4xSensor"/>).</summary>
    Sht4x,

    /// <summary>Maxim DS18B20 on 1-Wire (<see cref="Ds18b20Sensor"/>), which has no <see cref="SensorPlace"/>.</summary>
    Ds18b20,
}

/// <summary>Opens a case's I2C sensor by kind and place, through the buses and multiplexers of <see cref="I2cBuses"/>.</summary>
public static class TemperatureSensors
{
    /// <summary>
    /// The <paramref name="kind"/> of sensor at <paramref name="place"/>. Throws <see cref="ArgumentException"/> for a
    /// place with problems and for <see cref="TemperatureSensorKind.Ds18b20"/>, which is found by its 1-Wire id instead.
    /// </summary>
    public static ITemperatureSensor Open(I2cBuses buses, TemperatureSensorKind kind, SensorPlace place)
    {
        ArgumentNullException.ThrowIfNull(buses);
        return kind switch
        {
            TemperatureSensorKind.Sht3x => new Sht3xSensor(buses.Open(place)),
            TemperatureSensorKind.Sht4x => new Sht4xSensor(buses.Open(place)),
            _ => throw new ArgumentException($"a {kind} is not an I2C sensor", nameof(kind)),
        };
    }
}
