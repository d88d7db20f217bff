using System.Globalization;
using Edge.Drivers.I2c;
using Edge.Drivers.Temperature;
using Edge.Gateway.Hosting;

namespace Edge.Gateway.Temperature;

/// <summary>
/// Section <c>Temperature</c>: the chilled cases whose temperature is recorded. Cases are bound element by element, as
/// shelves are: a case must never vanish from the hygiene record over a typo.
/// </summary>
public sealed class TemperatureOptions
{
    /// <summary>How often every case's sensor is read and the reading recorded.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The cases, in configuration order.</summary>
    public List<CaseOptions> Cases { get; } = [];

    /// <summary>Each case's configuration path (<c>Temperature:Cases:2</c>), for problems that name the key.</summary>
    internal List<string> Paths { get; } = [];

    /// <summary>The cases' shelves that <paramref name="layout"/> does not have, naming the key.</summary>
    public IEnumerable<string> ProblemsWith(Shelves.ShelfLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        for (int i = 0; i < Cases.Count; i++)
        {
            foreach (string shelf in Cases[i].Shelves.Where(s => layout.Shelves.All(l => l.Id != s)))
            {
                yield return $"{(i < Paths.Count ? Paths[i] : $"Temperature:Cases:{i}")}:Shelves: no shelf '{shelf}' is configured";
            }
        }
    }

    /// <summary>Binds <c>Temperature:Interval</c> and every child of <c>Temperature:Cases</c> on its own; returns the problems.</summary>
    internal static IReadOnlyList<string> Bind(IConfiguration configuration, TemperatureOptions options)
    {
        var problems = new List<string>();
        IConfigurationSection section = configuration.GetSection("Temperature");
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (child.Key == nameof(Interval))
            {
                if (TimeSpan.TryParse(child.Value, CultureInfo.InvariantCulture, out TimeSpan interval))
                {
                    options.Interval = interval;
                }
                else
                {
                    problems.Add($"{child.Path}: '{child.Value}' is not a duration (hh:mm:ss)");
                }
            }
            else if (child.Key == nameof(Cases))
            {
                foreach (IConfigurationSection c in child.GetChildren())
                {
                    OptionsBinding.BindElement(c, options.Cases, options.Paths, problems);
                }
            }
            else
            {
                problems.Add($"{child.Path} is not a known key");
            }
        }

        return problems;
    }
}

/// <summary>One chilled case (<c>Temperature:Cases:N</c>): its sensor, where it is, and the limits it is held to.</summary>
public sealed class CaseOptions
{
    /// <summary>Case id, unique (the hygiene record's name for it).</summary>
    public string Id { get; set; } = "";

    /// <summary>Display name.</summary>
    public string? Name { get; set; }

    /// <summary>The shelves (by id) in the case: their load cells are compensated for its temperature.</summary>
    public List<string> Shelves { get; set; } = [];

    /// <summary>The sensor's kind.</summary>
    public TemperatureSensorKind Sensor { get; set; } = TemperatureSensorKind.Sht3x;

    /// <summary>The I2C bus number (<c>/dev/i2c-N</c>).</summary>
    public int Bus { get; set; } = 1;

    /// <summary>The sensor's I2C address, hex (<c>0x45</c>) or decimal; none: <see cref="DefaultAddress"/>.</summary>
    public string? Address { get; set; }

    /// <summary>The SHT3x's and SHT4x's address with its ADDR pin low.</summary>
    public const string DefaultAddress = "0x44";

    /// <summary>The TCA9548A multiplexer the sensor is behind, if any (<c>0x70</c> to <c>0x77</c>).</summary>
    public string? MuxAddress { get; set; }

    /// <summary>The multiplexer's channel the sensor is on (0 to 7).</summary>
    public int? MuxChannel { get; set; }

    /// <summary>A DS18B20's 1-Wire id (<c>28-0316a2794aff</c>, as <c>/sys/bus/w1/devices</c> lists it).</summary>
    public string? OneWireId { get; set; }

    /// <summary>Above this (°C) the case is out of range.</summary>
    public double High { get; set; } = 8.0;

    /// <summary>An excursion ends at or below <see cref="High"/> less this (°C).</summary>
    public double Hysteresis { get; set; } = 1.0;

    /// <summary>How long the case is out of range before it is an alert (a door opened for 30 s is not).</summary>
    public TimeSpan MinDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The address as a number; null when it is not one.</summary>
    public int? AddressValue => ParseAddress(Address ?? DefaultAddress);

    /// <summary>Where an I2C sensor is; null when an address is not a number.</summary>
    public SensorPlace? Place() =>
        AddressValue is { } address && (MuxAddress is null || ParseAddress(MuxAddress) is not null)
            ? new SensorPlace(Bus, ParseAddress(MuxAddress), MuxChannel, address)
            : null;

    /// <summary>The limits for <paramref name="interval"/>.</summary>
    public CaseLimits Limits(TimeSpan interval) => new(High, Hysteresis, MinDuration, interval);

    /// <summary>Reads <c>0x44</c> or <c>68</c>; null when it is neither.</summary>
    public static int? ParseAddress(string? text)
    {
        if (text is null)
        {
            return null;
        }

        string t = text.Trim();
        return t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? int.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int hex) ? hex : null
            : int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int dec) ? dec : null;
    }
}

/// <summary>Checks <c>Temperature</c>, naming each bad key: a sensor placed twice, an unknown shelf, limits that make no sense.</summary>
internal sealed class TemperatureOptionsValidator(BindingProblems binding) : SectionValidator<TemperatureOptions>(binding)
{
    /// <summary>Shortest interval: the sensor takes about 20 ms, and a case changes over minutes.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    /// <summary>Longest interval: a hygiene record with gaps of more than an hour says little.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    protected override IEnumerable<string> Problems(TemperatureOptions options)
    {
        if (options.Interval < MinInterval || options.Interval > MaxInterval)
        {
            yield return $"Temperature:Interval must be from {MinInterval:c} to {MaxInterval:c}";
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var places = new List<KeyValuePair<string, SensorPlace>>();
        var oneWire = new Dictionary<string, string>(StringComparer.Ordinal);
        var shelves = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < options.Cases.Count; i++)
        {
            CaseOptions c = options.Cases[i];
            string p = i < options.Paths.Count ? options.Paths[i] : $"Temperature:Cases:{i}";
            if (string.IsNullOrWhiteSpace(c.Id))
            {
                yield return $"{p}:Id must not be empty";
            }
            else if (!ids.Add(c.Id))
            {
                yield return $"{p}:Id '{c.Id}' is used by another case";
            }

            if (!Enum.IsDefined(c.Sensor))
            {
                yield return $"{p}:Sensor must be Sht3x, Sht4x or Ds18b20";
            }
            else if (c.Sensor == TemperatureSensorKind.Ds18b20)
            {
                // A key that does nothing is a mistake waiting: the technician meant an I2C sensor, or another case.
                if (c.Address is not null || c.MuxAddress is not null || c.MuxChannel is not null)
                {
                    yield return $"{p}:Address, MuxAddress and MuxChannel are for I2C sensors: a Ds18b20 is found by its OneWireId";
                }

                if (Ds18b20Sensor.IdProblem(p, c.OneWireId) is { } id)
                {
                    yield return id;
                }
                else if (!oneWire.TryAdd(c.OneWireId!, p))
                {
                    yield return $"{p}:OneWireId '{c.OneWireId}' is already {oneWire[c.OneWireId!]}'s sensor";
                }
            }
            else if (c.OneWireId is not null)
            {
                yield return $"{p}:OneWireId is for a Ds18b20: set {p}:Sensor to Ds18b20, or remove it";
            }
            else if (c.AddressValue is null)
            {
                yield return $"{p}:Address: '{c.Address}' is not an I2C address (0x08 to 0x77, such as 0x44)";
            }
            else if (c.MuxAddress is not null && CaseOptions.ParseAddress(c.MuxAddress) is null)
            {
                yield return $"{p}:MuxAddress: '{c.MuxAddress}' is not an I2C address (0x70 to 0x77, such as 0x70)";
            }
            else if (c.Place() is { } place)
            {
                IReadOnlyList<string> wrong = place.Problems(p);
                foreach (string problem in wrong)
                {
                    yield return problem;
                }

                if (wrong.Count == 0)
                {
                    places.Add(new(p, place));
                }
            }

            foreach (string shelf in c.Shelves)
            {
                if (!shelves.TryAdd(shelf, p))
                {
                    yield return $"{p}:Shelves: '{shelf}' is already in {shelves[shelf]}";
                }
            }

            if (c.Limits(options.Interval).Problem(p) is { } limits)
            {
                yield return limits;
            }
        }

        foreach (string clash in SensorPlace.Clashes(places))
        {
            yield return clash;
        }
    }
}
