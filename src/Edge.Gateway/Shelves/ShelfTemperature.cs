namespace Edge.Gateway.Shelves;

/// <summary>
/// The temperature at a shelf's load cell, for temperature-drift compensation. The temperature service (the chilled
/// case's sensor) implements it; without one, <see cref="NoShelfTemperature"/> says "no sensor" for every shelf.
/// Called from the shelves' reader thread about once a second per shelf: it must be thread-safe and must not block
/// (return the last reading, never read the sensor in the call).
/// </summary>
public interface IShelfTemperature
{
    /// <summary>The shelf's temperature in °C, or null when it has no sensor or its sensor is faulted (then nothing is compensated or learned).</summary>
    double? CelsiusOf(string shelfId);
}

/// <summary>No temperature for any shelf: the default until a temperature service is registered.</summary>
public sealed class NoShelfTemperature : IShelfTemperature
{
    /// <summary>The one instance a pipeline without a source uses.</summary>
    public static readonly NoShelfTemperature Instance = new();

    /// <inheritdoc />
    public double? CelsiusOf(string shelfId) => null;
}
