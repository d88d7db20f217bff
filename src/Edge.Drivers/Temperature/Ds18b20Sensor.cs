using System.Globalization;
using System.Text.RegularExpressions;
using Iot.Device.OneWire;

namespace Edge.Drivers.Temperature;

/// <summary>
/// A Maxim DS18B20 on 1-Wire, read from the Linux <c>w1_therm</c> driver's <c>w1_slave</c> file. The
/// <c>Iot.Device.OneWire</c> binding reads that file at a fixed path (<c>/sys/devices/&lt;bus&gt;/&lt;id&gt;/w1_slave</c>)
/// and accepts any text with <c>YES</c> in it, including the 85 °C the chip holds before its first conversion; so the
/// binding is used for what it does without the file (the id's family, <see cref="Discover"/>) and this reads the file
/// under a root that tests point at a simulated tree: a <c>NO</c> CRC, the power-on value, an all-zero scratchpad, an
/// absent device or a truncated file is a fault, never a temperature.
/// </summary>
public sealed partial class Ds18b20Sensor : ITemperatureSensor
{
    /// <summary>Where the Linux <c>w1</c> subsystem lists every 1-Wire device of every bus master.</summary>
    public const string DefaultDevicesPath = "/sys/bus/w1/devices";

    /// <summary>What the DS18B20 measures, per its datasheet (°C).</summary>
    public const double MinCelsius = -55, MaxCelsius = 125;

    /// <summary>The value of the temperature register at power-up, before any conversion (datasheet, table 2; °C).</summary>
    public const double PowerOnCelsius = 85;

    private readonly string _file;
    private readonly bool _acceptPowerOnValue;

    /// <summary>
    /// Reads the DS18B20 <paramref name="oneWireId"/> (<c>28-</c> and 12 hex digits) under <paramref name="devicesPath"/>;
    /// with <paramref name="acceptPowerOnValue"/> 85.000 °C is taken as a temperature (for a sensor that can be that warm).
    /// </summary>
    public Ds18b20Sensor(string oneWireId, string devicesPath = DefaultDevicesPath, bool acceptPowerOnValue = false)
    {
        if (IdProblem(nameof(oneWireId), oneWireId) is { } problem)
        {
            throw new ArgumentException(problem, nameof(oneWireId));
        }

        ArgumentException.ThrowIfNullOrEmpty(devicesPath);
        Id = oneWireId;
        _file = Path.Combine(devicesPath, oneWireId, "w1_slave");
        _acceptPowerOnValue = acceptPowerOnValue;
    }

    /// <summary>The sensor's 1-Wire id, as sysfs names its directory: <c>28-0316a2792fff</c>.</summary>
    public string Id { get; }

    /// <summary>Where the sensor is, for messages: <c>1-Wire 28-0316a2792fff</c>.</summary>
    public string Where => $"1-Wire {Id}";

    /// <summary>
    /// Why <paramref name="oneWireId"/> is no DS18B20 id, naming its key (<c>Temperature:Cases:0:OneWireId</c> from
    /// <c>Temperature:Cases:0</c>), or null when it is one. The family comes from the binding.
    /// </summary>
    public static string? IdProblem(string key, string? oneWireId)
    {
        string name = key == nameof(oneWireId) ? key : $"{key}:OneWireId";
        if (string.IsNullOrEmpty(oneWireId))
        {
            return $"{name} is not set: a DS18B20 is found by its 1-Wire id (ls {DefaultDevicesPath})";
        }

        if (!SysfsId().IsMatch(oneWireId))
        {
            return $"{name} is '{oneWireId}': a 1-Wire id is the family, a dash and 12 lower-case hex digits, as in {DefaultDevicesPath} (28-0316a2792fff)";
        }

        DeviceFamily family = new OneWireDevice(string.Empty, oneWireId).Family;
        return family == DeviceFamily.Ds18b20
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{name} is '{oneWireId}': family 0x{(int)family:x2} is no DS18B20 (family 0x28)");
    }

    /// <summary>
    /// The ids of the DS18B20s the binding finds on every 1-Wire bus master of this machine (for a technician placing
    /// them); none where the <c>w1</c> subsystem is not loaded.
    /// </summary>
    public static IReadOnlyList<string> Discover()
    {
        try
        {
            return [.. OneWireThermometerDevice.EnumerateDevices().Where(d => d.Family == DeviceFamily.Ds18b20).Select(d => d.DeviceId)];
        }
        catch (IOException)
        {
            return [];
        }
    }

    /// <summary>
    /// One reading. The binding does not sleep: the read of <c>w1_slave</c> blocks in the kernel while the chip
    /// converts (up to 750 ms at 12 bits, datasheet tCONV), so a reading takes about 0.8 s on real hardware.
    /// </summary>
    public TemperatureReading Read()
    {
        string text;
        try
        {
            text = File.ReadAllText(_file);
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or FileNotFoundException)
        {
            return TemperatureReading.Faulted($"no DS18B20 {Id} on the 1-Wire bus (no {_file})");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return TemperatureReading.Faulted($"could not read the DS18B20 at {Where}: {ex.Message}");
        }

        return Parse(text);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Nothing held open: each reading opens the file.
    }

    // w1_therm writes two lines: the 9 scratchpad bytes, ": crc=xx YES" (or NO); the same bytes again, " t=" and
    // the temperature in millidegrees.
    private TemperatureReading Parse(string text)
    {
        Match match = W1Slave().Match(text);
        if (!match.Success)
        {
            return TemperatureReading.Faulted($"an unreadable or truncated reading from the DS18B20 at {Where}: '{text.ReplaceLineEndings("\\n")}'");
        }

        if (match.Groups["verdict"].Value != "YES")
        {
            return TemperatureReading.Faulted($"bad CRC from the DS18B20 at {Where} ({match.Groups["crcline"].Value.Trim()})");
        }

        if (match.Groups["scratchpad"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).All(b => b == "00"))
        {
            return TemperatureReading.Faulted($"the DS18B20 at {Where} read all zeros (the data line held low, or no pull-up)");
        }

        int milli = int.Parse(match.Groups["t"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        double celsius = milli / 1000.0;
        if (milli == PowerOnCelsius * 1000 && !_acceptPowerOnValue)
        {
            return TemperatureReading.Faulted($"power-on value 85.0 °C from the DS18B20 at {Where}: it has not converted since it was powered (a brown-out, or power lost during the conversion)");
        }

        return celsius is < MinCelsius or > MaxCelsius
            ? TemperatureReading.Faulted(string.Create(CultureInfo.InvariantCulture, $"impossible value {celsius:0.0} °C from the DS18B20 at {Where} (it measures {MinCelsius} to {MaxCelsius} °C)"))
            : TemperatureReading.Of(celsius);
    }

    [GeneratedRegex("^[0-9a-f]{2}-[0-9a-f]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex SysfsId();

    [GeneratedRegex(@"\A(?<crcline>(?<scratchpad>(?:[0-9a-f]{2} ){9}): crc=[0-9a-f]{2} (?<verdict>YES|NO))\r?\n(?:[0-9a-f]{2} ){9}t=(?<t>-?[0-9]{1,6})\r?\n?\z", RegexOptions.CultureInvariant)]
    private static partial Regex W1Slave();
}
