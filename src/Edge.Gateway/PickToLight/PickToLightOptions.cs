using Edge.Drivers.Lights;
using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;

namespace Edge.Gateway.PickToLight;

/// <summary>
/// Section <c>PickToLight</c>: the addressable LED strip along the shelves (WS2812B over SPI) and which of its LEDs
/// stand by which shelf. Off unless <see cref="Enabled"/>; the simulated store turns it on for its demo strip.
/// </summary>
public sealed class PickToLightOptions
{
    /// <summary>Whether the gateway drives a strip.</summary>
    public bool Enabled { get; set; }

    /// <summary>The SPI bus the strip's data line is on (<c>/dev/spidev{SpiBus}.{ChipSelect}</c>).</summary>
    public int SpiBus { get; set; }

    /// <summary>The chip-select line of that bus (a WS2812B has none: it only names the spidev device).</summary>
    public int ChipSelect { get; set; }

    /// <summary>LEDs on the strip, 1 to <see cref="PickLightStrip.MaxLength"/> when enabled.</summary>
    public int Length { get; set; }

    /// <summary>The removals on a lit shelf within this window must add up to a line's quantity to confirm its pick.</summary>
    public TimeSpan ConfirmWithin { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Each lit shelf's range of LEDs (<c>PickToLight:Shelves:N</c>).</summary>
    public List<ShelfLightOptions> Shelves { get; } = [];

    /// <summary>Each range's configuration path (<c>PickToLight:Shelves:3</c>), for problems that name the key.</summary>
    internal List<string> Paths { get; } = [];

    /// <summary>Binds the section, each range on its own (the binder silently skips a list element it cannot convert).</summary>
    internal static IReadOnlyList<string> Bind(IConfiguration configuration, PickToLightOptions options)
    {
        IConfigurationSection section = configuration.GetSection("PickToLight");
        var problems = new List<string>(OptionsBinding.Bind(section, options));
        options.Shelves.Clear();
        options.Paths.Clear();
        if (problems.Count == 0)
        {
            foreach (IConfigurationSection child in section.GetSection("Shelves").GetChildren())
            {
                OptionsBinding.BindElement(child, options.Shelves, options.Paths, problems);
            }
        }

        return problems;
    }

    /// <summary>The ranges whose shelf the layout does not have (checked once the layout is known), each naming its key.</summary>
    public IEnumerable<string> ProblemsWith(ShelfLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (!Enabled)
        {
            yield break;
        }

        for (int i = 0; i < Shelves.Count; i++)
        {
            string id = Shelves[i].ShelfId;
            if (!string.IsNullOrWhiteSpace(id) && layout.Find(id) is null)
            {
                yield return $"{PathOf(i)}:ShelfId: no shelf '{id}' (shelves: {string.Join(", ", layout.Shelves.Select(s => s.Id))})";
            }
        }
    }

    internal string PathOf(int index) => index < Paths.Count ? Paths[index] : $"PickToLight:Shelves:{index}";
}

/// <summary>One shelf's LEDs: <see cref="Count"/> of them from LED <see cref="First"/> (0 is the one nearest the gateway).</summary>
public sealed class ShelfLightOptions
{
    /// <summary>The shelf (<c>Shelves:N:Id</c>).</summary>
    public string ShelfId { get; set; } = "";

    /// <summary>Its first LED.</summary>
    public int First { get; set; }

    /// <summary>How many LEDs it has.</summary>
    public int Count { get; set; }
}

/// <summary>Checks <see cref="PickToLightOptions"/> at start, naming each bad key (the shelf ids are checked against the layout by <see cref="PickToLightOptions.ProblemsWith"/>).</summary>
internal sealed class PickToLightOptionsValidator(BindingProblems binding) : SectionValidator<PickToLightOptions>(binding)
{
    protected override IEnumerable<string> Problems(PickToLightOptions options)
    {
        if (options.ConfirmWithin <= TimeSpan.Zero || options.ConfirmWithin > TimeSpan.FromMinutes(10))
        {
            yield return "PickToLight:ConfirmWithin: must be longer than 0 and at most 10 minutes (a time span such as 00:00:30)";
        }

        if (!options.Enabled)
        {
            yield break;
        }

        if (options.SpiBus < 0)
        {
            yield return $"PickToLight:SpiBus: {options.SpiBus} is not a bus number (0 or more)";
        }

        if (options.ChipSelect < 0)
        {
            yield return $"PickToLight:ChipSelect: {options.ChipSelect} is not a chip-select line (0 or more)";
        }

        bool lengthOk = options.Length is >= 1 and <= PickLightStrip.MaxLength;
        if (!lengthOk)
        {
            yield return $"PickToLight:Length: {options.Length} LEDs; must be 1 to {PickLightStrip.MaxLength} (one SPI write drives at most that many)";
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var taken = new List<(int First, int End, string Path)>();
        for (int i = 0; i < options.Shelves.Count; i++)
        {
            ShelfLightOptions s = options.Shelves[i];
            string p = options.PathOf(i);
            if (string.IsNullOrWhiteSpace(s.ShelfId))
            {
                yield return $"{p}:ShelfId must not be empty";
            }
            else if (!seen.TryAdd(s.ShelfId, p))
            {
                yield return $"{p}:ShelfId '{s.ShelfId}' already has LEDs at {seen[s.ShelfId]}";
            }

            if (s.First < 0)
            {
                yield return $"{p}:First: {s.First} is before the strip's first LED (0)";
            }

            if (s.Count < 1)
            {
                yield return $"{p}:Count: {s.Count}; a shelf needs at least 1 LED";
            }

            if (s.First < 0 || s.Count < 1)
            {
                continue;
            }

            int end = s.First + s.Count;
            if (lengthOk && end > options.Length)
            {
                yield return $"{p}:Count: LEDs {s.First} to {end - 1} run past the strip's last LED ({options.Length - 1}, PickToLight:Length {options.Length})";
            }

            foreach ((int first, int otherEnd, string other) in taken)
            {
                if (s.First < otherEnd && first < end)
                {
                    yield return $"{p}:First: LEDs {s.First} to {end - 1} overlap those of {other} ({first} to {otherEnd - 1})";
                }
            }

            taken.Add((s.First, end, p));
        }
    }
}
