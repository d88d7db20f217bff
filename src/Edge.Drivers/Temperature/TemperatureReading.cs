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

/// <summary>A case thermometer the gateway reads on its own thread: each reading a temperature or a fault, never both.</summary>
public interface ITemperatureSensor : IDisposable
{
    /// <summary>Where the sensor is, for messages: <c>I2C bus 1, mux 0x70 channel 2, address 0x44</c>.</summary>
    string Where { get; }

    /// <summary>One measurement; blocks for the conversion (see the area README for how long per sensor).</summary>
    TemperatureReading Read();
}
