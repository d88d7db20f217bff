using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Edge.Gateway.Admin;
using Edge.Gateway.Hosting;

namespace Edge.Gateway.Cli;

/// <summary>
/// <c>list</c>, <c>add</c> and <c>remove</c> for one kind of layout element: through the running gateway's admin API
/// (which restarts itself to apply the change), or on the data directory's <c>site.json</c> when none runs.
/// </summary>
internal static class LayoutVerbs
{
    /// <summary>An option that becomes one configuration key of the element.</summary>
    public sealed record Field(Option Option, string Key, bool IsList = false);

    public static Command List(LayoutKind kind, string description, Func<JsonObject, string> line)
    {
        var list = GatewayLink.WithCommonOptions(new Command("list", description));
        Verb.Action(list, async (parse, ct) =>
        {
            using GatewayLink link = GatewayLink.Open(parse);
            JsonArray items = link.Online
                ? (await link.CallOkAsync(HttpMethod.Get, $"layout/{kind.Name}", cancellationToken: ct))?.AsArray() ?? []
                : [.. SiteLayout.List(ConfigurationLayers.Build(link.DataDir, link.Overrides), kind)];
            List<string> lines = [.. items.OfType<JsonObject>().Select(line)];
            if (lines.Count == 0)
            {
                lines.Add($"no {kind.Name} configured");
            }

            return (ExitCodes.Ok, new JsonObject { [kind.Name] = items.DeepClone() }, lines);
        });
        return list;
    }

    public static Command Add(LayoutKind kind, string description, IReadOnlyList<Field> fields, Action<JsonObject>? complete = null)
    {
        var add = GatewayLink.WithCommonOptions(new Command("add", description));
        foreach (Field f in fields)
        {
            add.Options.Add(f.Option);
        }

        Verb.Action(add, (parse, ct) =>
        {
            var element = new JsonObject();
            foreach (Field f in fields)
            {
                if (parse.GetResult(f.Option) is { } result && result.Tokens.Count > 0 || f.Option.Required)
                {
                    element[f.Key] = Value(parse, f);
                }
            }

            complete?.Invoke(element);

            string note = kind == LayoutKind.Shelves ? $" (counts are rough until 'edge-gateway shelf calibrate {element[kind.IdKey]}')" : "";
            return ApplyAsync(parse, $"added {Singular(kind)} '{element[kind.IdKey]}'{note}",
                link => link.CallOkAsync(HttpMethod.Post, $"layout/{kind.Name}", element, ct),
                link => SiteLayout.Add(link.DataDir, link.Overrides, kind, element));
        });
        return add;
    }

    public static Command Remove(LayoutKind kind, string description)
    {
        var id = new Argument<string>("id") { Description = $"The {Singular(kind)} to remove ({kind.IdKey})" };
        var remove = GatewayLink.WithCommonOptions(new Command("remove", description) { id });
        Verb.Action(remove, (parse, ct) =>
        {
            string name = parse.GetValue(id)!;
            return ApplyAsync(parse, $"removed {Singular(kind)} '{name}'",
                link => link.CallOkAsync(HttpMethod.Delete, $"layout/{kind.Name}/{Uri.EscapeDataString(name)}", cancellationToken: ct),
                link => SiteLayout.Remove(link.DataDir, link.Overrides, kind, name));
        });
        return remove;
    }

    /// <summary>Applies a change online or offline and says where it went and when it applies.</summary>
    public static async Task<(int, JsonNode?, IEnumerable<string>)> ApplyAsync(ParseResult parse, string done, Func<GatewayLink, Task<JsonNode?>> online, Action<GatewayLink> offline)
    {
        using GatewayLink link = GatewayLink.Open(parse);
        string file = Path.Combine(link.DataDir, SiteFiles.SiteFile);
        if (link.Online)
        {
            await online(link);
            return (ExitCodes.Ok, new JsonObject { ["done"] = done, ["file"] = file, ["applies"] = "now: the gateway restarts" },
                [$"{done} in {file}; the gateway restarts to apply it"]);
        }

        offline(link);
        return (ExitCodes.Ok, new JsonObject { ["done"] = done, ["file"] = file, ["applies"] = "when the gateway starts" },
            [$"{done} in {file}; it applies when the gateway starts"]);
    }

    private static JsonNode? Value(ParseResult parse, Field f)
    {
        object? value = parse.GetResult(f.Option)?.GetValueOrDefault<object?>();
        return value switch
        {
            null => null,
            string[] list => new JsonObject(list.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select((v, i) => KeyValuePair.Create(i.ToString(CultureInfo.InvariantCulture), (JsonNode?)JsonValue.Create(v)))),
            string s => JsonValue.Create(s),
            int i => JsonValue.Create(i),
            double d => JsonValue.Create(d),
            decimal m => JsonValue.Create(m),
            _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
        };
    }

    private static string Singular(LayoutKind kind) => kind == LayoutKind.Shelves ? "shelf" : kind.Name.TrimEnd('s');
}

/// <summary><c>beacon</c>, <c>screen</c> and <c>zone</c>: the store's beacons, signage screens and BLE zones.</summary>
internal static class StoreLayoutCommands
{
    public static Command Beacons()
    {
        var id = new Option<string>("--id") { Description = "Beacon id, unique in the store", Required = true };
        var uuid = new Option<string>("--ibeacon-uuid") { Description = "iBeacon proximity UUID" };
        var major = new Option<int>("--major") { Description = "iBeacon major" };
        var minor = new Option<int>("--minor") { Description = "iBeacon minor" };
        var uid = new Option<string>("--eddystone-uid") { Description = "Eddystone-UID namespace and instance, 32 hex digits" };
        return new Command("beacon", "The store's own beacons (Beacons:StoreBeacons), watched for battery and presence.")
        {
            LayoutVerbs.List(LayoutKind.Beacons, "List the store's beacons.", b => $"{b["Id"],-12} {(b["EddystoneUid"] is { } e ? "eddystone " + e : $"ibeacon {b["IBeaconUuid"]} {b["Major"]}/{b["Minor"]}")}"),
            LayoutVerbs.Add(LayoutKind.Beacons, "Add a store beacon: an iBeacon (--ibeacon-uuid, --major, --minor) or an Eddystone-UID (--eddystone-uid).",
                [new(id, "Id"), new(uuid, "IBeaconUuid"), new(major, "Major"), new(minor, "Minor"), new(uid, "EddystoneUid")]),
            LayoutVerbs.Remove(LayoutKind.Beacons, "Remove a store beacon."),
        };
    }

    public static Command Screens()
    {
        var id = new Option<string>("--id") { Description = "Screen id, unique in the store (its page is /signage/<id>)", Required = true };
        var zone = new Option<string>("--zone") { Description = "Zone the screen stands in", Required = true };
        var shelves = new Option<string[]>("--shelves") { Description = "Shelves whose products it shows, comma-separated", AllowMultipleArgumentsPerToken = true };
        var skus = new Option<string[]>("--skus") { Description = "Further SKUs it shows, comma-separated", AllowMultipleArgumentsPerToken = true };
        var layout = new Option<string>("--layout") { Description = "Page layout (Screens:N:Layout)" };
        var languages = new Option<string[]>("--languages") { Description = "Languages it rotates through, comma-separated (en, ja)", AllowMultipleArgumentsPerToken = true };
        var rotation = new Option<int>("--rotation-seconds") { Description = "Seconds per page of the rotation" };
        var orientation = new Option<string>("--orientation") { Description = "landscape or portrait" };
        return new Command("screen", "Digital signage screens (Screens:N).")
        {
            LayoutVerbs.List(LayoutKind.Screens, "List the screens.", s => $"{s["Id"],-12} zone {s["Zone"],-10} layout {s["Layout"] ?? "default"}"),
            LayoutVerbs.Add(LayoutKind.Screens, "Add a screen.",
                [new(id, "Id"), new(zone, "Zone"), new(shelves, "Shelves", true), new(skus, "Skus", true), new(layout, "Layout"), new(languages, "Languages", true), new(rotation, "RotationSeconds"), new(orientation, "Orientation")]),
            LayoutVerbs.Remove(LayoutKind.Screens, "Remove a screen."),
        };
    }

    public static Command Zones()
    {
        var name = new Option<string>("--name") { Description = "Zone name, as shelves and screens name it", Required = true };
        var adapter = new Option<int>("--adapter") { Description = "The BLE adapter (hciN) that covers the zone", Required = true };
        var offset = new Option<double>("--offset-db") { Description = "Receiver RSSI offset in dB (calibration)" };
        return new Command("zone", "Beacon zones: the BLE receiver that covers each (Beacons:Receivers:N).")
        {
            LayoutVerbs.List(LayoutKind.Zones, "List the zones and their receivers.", z => $"{z["Zone"],-12} hci{z["Adapter"]}  offset {z["OffsetDb"] ?? "0"} dB"),
            LayoutVerbs.Add(LayoutKind.Zones, "Add a zone covered by a BLE adapter.", [new(name, "Zone"), new(adapter, "Adapter"), new(offset, "OffsetDb")]),
        };
    }
}
