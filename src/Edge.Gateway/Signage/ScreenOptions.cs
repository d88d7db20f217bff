using System.Text.RegularExpressions;
using Edge.Cloud.Mqtt;
using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;

namespace Edge.Gateway.Signage;

/// <summary>How a screen lays out its products.</summary>
public enum ScreenLayout
{
    /// <summary>A grid of tiles, rotating through pages when there are more products than fit.</summary>
    Grid,

    /// <summary>One product at a time, large.</summary>
    Featured,
}

/// <summary>Which way the screen is mounted.</summary>
public enum ScreenOrientation
{
    /// <summary>Wider than high (1920 × 1080).</summary>
    Landscape,

    /// <summary>Higher than wide (1080 × 1920).</summary>
    Portrait,
}

/// <summary>One screen (<c>Screens:N</c>).</summary>
public sealed class ScreenOptions
{
    /// <summary>Its id, in its URL (<c>/signage/{Id}</c>) and its MQTT topic: letters, digits, <c>-</c> and <c>_</c>.</summary>
    public string Id { get; set; } = "";

    /// <summary>The zone it stands in: with no <see cref="Shelves"/> or <see cref="Skus"/>, it shows the zone's shelves.</summary>
    public string Zone { get; set; } = "";

    /// <summary>The shelves whose products it shows, in order.</summary>
    public List<string> Shelves { get; set; } = [];

    /// <summary>SKUs it shows besides (or instead of) shelves' products, in order.</summary>
    public List<string> Skus { get; set; } = [];

    /// <summary>Grid or featured.</summary>
    public ScreenLayout Layout { get; set; } = ScreenLayout.Grid;

    /// <summary>Languages shown: <c>ja</c>, <c>en</c>, or both (alternating every rotation).</summary>
    public List<string> Languages { get; set; } = [];

    /// <summary>Seconds each page (and language) stays on screen.</summary>
    public int RotationSeconds { get; set; } = 10;

    /// <summary>Landscape or portrait.</summary>
    public ScreenOrientation Orientation { get; set; } = ScreenOrientation.Landscape;

    /// <summary>The SKUs the screen shows, in order, each once: its shelves' and its own, or else its zone's shelves'.</summary>
    public IReadOnlyList<string> SkusOn(ShelfLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        IEnumerable<string> fromShelves = Shelves.Count > 0 || Skus.Count > 0
            ? Shelves.Select(id => layout.Find(id)?.Sku).OfType<string>()
            : layout.Shelves.Where(s => s.Zone == Zone).Select(s => s.Sku);
        return [.. fromShelves.Concat(Skus).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The languages in force: <c>ja</c> and <c>en</c> when none is configured.</summary>
    public IReadOnlyList<string> LanguagesInForce() => Languages.Count > 0 ? Languages : ["ja", "en"];
}

/// <summary>
/// Section <c>Screens</c>: the list <c>Screens:N</c>, bound element by element as shelves are, and
/// <c>Screens:OfflineAfter</c>.
/// </summary>
public sealed partial class ScreensOptions
{
    /// <summary>Most screens one gateway serves.</summary>
    public const int MaxScreens = 64;

    /// <summary>The configured screens, in configuration order.</summary>
    public List<ScreenOptions> Screens { get; } = [];

    /// <summary>A screen whose players have all been gone this long raises <c>ScreenOffline</c>.</summary>
    public TimeSpan OfflineAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Each screen's configuration path (<c>Screens:3</c>).</summary>
    internal List<string> Paths { get; } = [];

    /// <summary>Binds the numbered children as screens and the named ones as settings; returns the problems.</summary>
    internal static IReadOnlyList<string> Bind(IConfiguration configuration, ScreensOptions options)
    {
        var problems = new List<string>();
        foreach (IConfigurationSection child in configuration.GetSection("Screens").GetChildren())
        {
            if (string.Equals(child.Key, nameof(OfflineAfter), StringComparison.OrdinalIgnoreCase))
            {
                if (!TimeSpan.TryParse(child.Value, System.Globalization.CultureInfo.InvariantCulture, out TimeSpan after))
                {
                    problems.Add($"{child.Path}: '{child.Value}' is not a duration (hh:mm:ss)");
                }
                else
                {
                    options.OfflineAfter = after;
                }

                continue;
            }

            if (!int.TryParse(child.Key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                problems.Add($"{child.Path} is not a known key (Screens holds numbered screens and OfflineAfter)");
                continue;
            }

            OptionsBinding.BindElement(child, options.Screens, options.Paths, problems);
        }

        return problems;
    }

    /// <summary>Problems with the screens against the shelves they name (known only once the layout is).</summary>
    public IEnumerable<string> ProblemsWith(ShelfLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var shelves = layout.Shelves.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var zones = layout.Shelves.Select(s => s.Zone).ToHashSet(StringComparer.Ordinal);
        for (int i = 0; i < Screens.Count; i++)
        {
            ScreenOptions s = Screens[i];
            string p = i < Paths.Count ? Paths[i] : $"Screens:{i}";
            for (int j = 0; j < s.Shelves.Count; j++)
            {
                if (!shelves.Contains(s.Shelves[j]))
                {
                    yield return $"{p}:Shelves:{j}: no shelf '{s.Shelves[j]}' (shelves: {string.Join(", ", layout.Shelves.Select(x => x.Id))})";
                }
            }

            if (s.Shelves.Count == 0 && s.Skus.Count == 0 && !zones.Contains(s.Zone))
            {
                yield return $"{p}:Zone: no shelf is in zone '{s.Zone}', and the screen names no Shelves or Skus to show";
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    internal static partial Regex IdPattern();
}

/// <summary>Checks every screen and names each bad key as it is written in appsettings.json.</summary>
internal sealed class ScreensOptionsValidator(BindingProblems binding) : SectionValidator<ScreensOptions>(binding)
{
    protected override IEnumerable<string> Problems(ScreensOptions options)
    {
        var problems = new List<string>();
        if (options.Screens.Count > ScreensOptions.MaxScreens)
        {
            problems.Add($"Screens: at most {ScreensOptions.MaxScreens} screens, not {options.Screens.Count}");
        }

        if (options.OfflineAfter < TimeSpan.FromSeconds(10) || options.OfflineAfter > TimeSpan.FromDays(1))
        {
            problems.Add("Screens:OfflineAfter must be from 00:00:10 to 1.00:00:00");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < options.Screens.Count; i++)
        {
            ScreenOptions s = options.Screens[i];
            string p = i < options.Paths.Count ? options.Paths[i] : $"Screens:{i}";
            if (!ScreensOptions.IdPattern().IsMatch(s.Id) || !MqttTopics.IsLevel(s.Id))
            {
                problems.Add($"{p}:Id must be 1 to 64 letters, digits, '-' or '_' (it is part of a URL and an MQTT topic)");
            }
            else if (!ids.Add(s.Id))
            {
                problems.Add($"{p}:Id '{s.Id}' is used by another screen");
            }

            if (string.IsNullOrWhiteSpace(s.Zone))
            {
                problems.Add($"{p}:Zone must not be empty");
            }

            if (!Enum.IsDefined(s.Layout))
            {
                problems.Add($"{p}:Layout must be Grid or Featured");
            }

            if (!Enum.IsDefined(s.Orientation))
            {
                problems.Add($"{p}:Orientation must be Landscape or Portrait");
            }

            if (s.RotationSeconds is < 3 or > 3600)
            {
                problems.Add($"{p}:RotationSeconds must be from 3 to 3600");
            }

            for (int j = 0; j < s.Languages.Count; j++)
            {
                if (s.Languages[j] is not ("ja" or "en"))
                {
                    problems.Add($"{p}:Languages:{j} must be ja or en, not '{s.Languages[j]}'");
                }
            }

            if (s.Languages.Distinct(StringComparer.Ordinal).Count() != s.Languages.Count)
            {
                problems.Add($"{p}:Languages lists a language twice");
            }

            for (int j = 0; j < s.Skus.Count; j++)
            {
                if (string.IsNullOrWhiteSpace(s.Skus[j]) || s.Skus[j].Length > StoreData.StoreDataItems.MaxKeyLength)
                {
                    problems.Add($"{p}:Skus:{j} must be a SKU of 1 to {StoreData.StoreDataItems.MaxKeyLength} characters");
                }
            }

            if (s.Shelves.Count + s.Skus.Count > 200)
            {
                problems.Add($"{p}: at most 200 products on one screen");
            }
        }

        return problems;
    }
}
