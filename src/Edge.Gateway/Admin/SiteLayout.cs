using System.Globalization;
using System.Text.Json.Nodes;
using Edge.Gateway.Hosting;

namespace Edge.Gateway.Admin;

/// <summary>A list of the store's layout that technicians edit: where it lives in the configuration and what names an element.</summary>
/// <param name="Name">As the CLI and the admin API name it: <c>shelves</c>, <c>beacons</c>, <c>screens</c>, <c>zones</c>.</param>
/// <param name="Section">Configuration section of the list.</param>
/// <param name="IdKey">The key whose value names an element.</param>
public sealed record LayoutKind(string Name, string Section, string IdKey)
{
    /// <summary>Shelf slots, <c>Shelves:N</c>.</summary>
    public static readonly LayoutKind Shelves = new("shelves", "Shelves", "Id");

    /// <summary>The store's own beacons, <c>Beacons:StoreBeacons:N</c>.</summary>
    public static readonly LayoutKind Beacons = new("beacons", "Beacons:StoreBeacons", "Id");

    /// <summary>Signage screens, <c>Screens:N</c>.</summary>
    public static readonly LayoutKind Screens = new("screens", "Screens", "Id");

    /// <summary>Beacon zones: a BLE receiver and the zone it covers, <c>Beacons:Receivers:N</c>.</summary>
    public static readonly LayoutKind Zones = new("zones", "Beacons:Receivers", "Zone");

    /// <summary>Every kind.</summary>
    public static readonly IReadOnlyList<LayoutKind> All = [Shelves, Beacons, Screens, Zones];

    /// <summary>The kind called <paramref name="name"/>, or null.</summary>
    public static LayoutKind? Find(string name) => All.FirstOrDefault(k => k.Name == name);
}

/// <summary>Why a layout change was refused; nothing was written.</summary>
public sealed class LayoutException(string message, int status = StatusCodes.Status400BadRequest) : Exception(message)
{
    /// <summary>The HTTP status the refusal maps to (400 bad input, 404 unknown id, 409 conflict).</summary>
    public int Status { get; } = status;
}

/// <summary>
/// Adds, changes and removes layout elements in <c>site.json</c>, and checks each change with every validator of the
/// gateway before it is written: a change that would stop the gateway from starting is refused, naming the key. The
/// CLI (gateway stopped) and the admin API (gateway running) both change the layout through this class.
/// </summary>
public static class SiteLayout
{
    /// <summary>The elements of <paramref name="kind"/> in force, as configuration objects.</summary>
    public static List<JsonObject> List(IConfiguration configuration, LayoutKind kind)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(kind);
        return [.. configuration.GetSection(kind.Section).GetChildren()
            .Where(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture))
            .Select(ToJson)];
    }

    /// <summary>Adds <paramref name="element"/>; refused when its id is taken or the result is not a valid configuration.</summary>
    public static void Add(string dataDir, IReadOnlyDictionary<string, string?> overrides, LayoutKind kind, JsonObject element) =>
        Change(dataDir, overrides, kind, list =>
        {
            string id = Id(element, kind);
            if (list.Any(e => Id(e, kind) == id))
            {
                throw new LayoutException($"{kind.Name}: '{id}' exists already", StatusCodes.Status409Conflict);
            }

            list.Add(element);
        });

    /// <summary>Removes the element named <paramref name="id"/>.</summary>
    public static void Remove(string dataDir, IReadOnlyDictionary<string, string?> overrides, LayoutKind kind, string id) =>
        Change(dataDir, overrides, kind, list =>
        {
            if (list.RemoveAll(e => Id(e, kind) == id) == 0)
            {
                throw new LayoutException($"{kind.Name}: no '{id}'", StatusCodes.Status404NotFound);
            }
        });

    /// <summary>Sets keys of the element named <paramref name="id"/> (a null value removes the key).</summary>
    public static void Update(string dataDir, IReadOnlyDictionary<string, string?> overrides, LayoutKind kind, string id, IReadOnlyDictionary<string, JsonNode?> values) =>
        Change(dataDir, overrides, kind, list =>
        {
            JsonObject element = list.FirstOrDefault(e => Id(e, kind) == id) ?? throw new LayoutException($"{kind.Name}: no '{id}'", StatusCodes.Status404NotFound);
            foreach ((string key, JsonNode? value) in values)
            {
                SiteFiles.Set(element, key, value?.DeepClone());
            }
        });

    private static void Change(string dataDir, IReadOnlyDictionary<string, string?> overrides, LayoutKind kind, Action<List<JsonObject>> change)
    {
        IConfigurationRoot current = ConfigurationLayers.Build(dataDir, overrides);
        if (ConfigurationLayers.OtherSourcesOf(current, kind.Section).ToList() is { Count: > 0 } others)
        {
            throw new LayoutException($"{kind.Section} is configured in {string.Join(" and ", others)}; change it there, or remove it there to manage {kind.Name} with this tool", StatusCodes.Status409Conflict);
        }

        SiteFiles.Edit(dataDir, SiteFiles.SiteFile, site =>
        {
            List<JsonObject> list = List(ConfigurationLayers.Build(dataDir, overrides, site), kind);
            change(list);
            Store(site, kind, list);
            IConfigurationRoot proposed = ConfigurationLayers.Build(dataDir, overrides, site);
            if (Problems(proposed).ToList() is { Count: > 0 } problems)
            {
                throw new LayoutException(string.Join("; ", problems));
            }

            return true;
        });
    }

    /// <summary>Every reason the gateway would refuse to start with <paramref name="configuration"/>.</summary>
    public static IEnumerable<string> Problems(IConfiguration configuration)
    {
        if (!GatewayConfiguration.TryLoad(configuration, out GatewayConfiguration? settings, out List<string> problems))
        {
            return problems;
        }

        var layout = new Shelves.ShelfLayout(settings.Shelves, Simulated: true);
        return settings.ProblemsWith(layout);
    }

    private static void Store(JsonObject site, LayoutKind kind, List<JsonObject> list)
    {
        // A list is stored as an object with keys 0..n-1: the same keys an array gives, and room beside them for the
        // section's own settings (Screens:OfflineAfter).
        var section = new JsonObject();
        if (Node(site, kind.Section) is JsonObject existing)
        {
            foreach ((string key, JsonNode? value) in existing)
            {
                if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    section[key] = value?.DeepClone();
                }
            }
        }

        for (int i = 0; i < list.Count; i++)
        {
            section[i.ToString(CultureInfo.InvariantCulture)] = list[i].DeepClone();
        }

        SiteFiles.Set(site, kind.Section, section);
    }

    private static JsonNode? Node(JsonObject root, string path)
    {
        JsonNode? node = root;
        foreach (string part in path.Split(':'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node;
    }

    private static string Id(JsonObject element, LayoutKind kind) => element[kind.IdKey]?.ToString() ?? "";

    private static JsonObject ToJson(IConfigurationSection section)
    {
        var o = new JsonObject();
        foreach (IConfigurationSection child in section.GetChildren())
        {
            o[child.Key] = child.Value is { } v && !child.GetChildren().Any() ? JsonValue.Create(v) : ToJson(child);
        }

        return o;
    }
}
