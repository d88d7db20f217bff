using System.Globalization;
using System.Text;

namespace Edge.Cloud.IotHub;

/// <summary>
/// IoT Hub and DPS MQTT topics: formatting, and parsing that follows the documented rules (property bags
/// URL-decoded with <c>+</c> kept literal, <c>$.</c> or <c>%24.</c>, a tolerated trailing <c>/</c>, query keys in any
/// order, <c>key</c> alone meaning null).
/// </summary>
public static class IotHubTopics
{
    /// <summary>The api-version sent in the CONNECT user name, as the docs recommend.</summary>
    public const string ApiVersion = "2021-04-12";

    /// <summary>The api-version DPS documents for MQTT.</summary>
    public const string DpsApiVersion = "2019-03-31";

    /// <summary>Twin responses.</summary>
    public const string TwinResponses = "$iothub/twin/res/#";

    /// <summary>Desired-property notifications.</summary>
    public const string TwinDesired = "$iothub/twin/PATCH/properties/desired/#";

    /// <summary>Direct-method requests.</summary>
    public const string Methods = "$iothub/methods/POST/#";

    /// <summary>DPS responses.</summary>
    public const string DpsResponses = "$dps/registrations/res/#";

    /// <summary>CONNECT user name for a device.</summary>
    public static string UserName(string host, string deviceId) => $"{host}/{deviceId}/?api-version={ApiVersion}";

    /// <summary>CONNECT user name for DPS (no <c>?</c>, unlike the hub).</summary>
    public static string DpsUserName(string idScope, string registrationId) => $"{idScope}/registrations/{registrationId}/api-version={DpsApiVersion}";

    /// <summary>Cloud-to-device subscription.</summary>
    public static string CloudToDevice(string deviceId) => $"devices/{deviceId}/messages/devicebound/#";

    /// <summary>Device-to-cloud topic with a property bag.</summary>
    public static string Telemetry(string deviceId, IEnumerable<KeyValuePair<string, string?>> properties) =>
        $"devices/{deviceId}/messages/events/{FormatBag(properties)}";

    /// <summary>Twin GET.</summary>
    public static string TwinGet(string rid) => $"$iothub/twin/GET/?$rid={Uri.EscapeDataString(rid)}";

    /// <summary>Reported-properties PATCH.</summary>
    public static string TwinPatchReported(string rid) => $"$iothub/twin/PATCH/properties/reported/?$rid={Uri.EscapeDataString(rid)}";

    /// <summary>Direct-method response.</summary>
    public static string MethodResponse(int status, string rid) => $"$iothub/methods/res/{status.ToString(CultureInfo.InvariantCulture)}/?$rid={Uri.EscapeDataString(rid)}";

    /// <summary>DPS register request.</summary>
    public static string DpsRegister(string rid) => $"$dps/registrations/PUT/iotdps-register/?$rid={Uri.EscapeDataString(rid)}";

    /// <summary>DPS operation status poll.</summary>
    public static string DpsPoll(string rid, string operationId) =>
        $"$dps/registrations/GET/iotdps-get-operationstatus/?$rid={Uri.EscapeDataString(rid)}&operationId={Uri.EscapeDataString(operationId)}";

    /// <summary><c>name=value&amp;…</c>, each part RFC 3986-encoded; a null value is the name alone.</summary>
    public static string FormatBag(IEnumerable<KeyValuePair<string, string?>> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var sb = new StringBuilder();
        foreach ((string name, string? value) in properties)
        {
            if (sb.Length > 0)
            {
                sb.Append('&');
            }

            // System properties keep their literal "$." prefix, as in the docs.
            sb.Append(name.StartsWith("$.", StringComparison.Ordinal) ? "$." + Uri.EscapeDataString(name[2..]) : Uri.EscapeDataString(name));
            if (value is not null)
            {
                sb.Append('=').Append(Uri.EscapeDataString(value));
            }
        }

        return sb.ToString();
    }

    /// <summary>Parses a property bag (or query string); <c>%24.</c> is normalised to <c>$.</c>; later duplicates win.</summary>
    public static Dictionary<string, string?> ParseBag(string bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (string part in bag.TrimEnd('/').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            string name = Uri.UnescapeDataString(eq < 0 ? part : part[..eq]);
            string? value = eq < 0 ? null : Uri.UnescapeDataString(part[(eq + 1)..]);
            result[name] = value;
        }

        return result;
    }

    /// <summary>
    /// Parses <c>$iothub/twin/res/{status}/?$rid=…[&amp;$version=…]</c>; null when the topic is not a twin response
    /// (including a missing <c>$rid</c> or a non-integer status).
    /// </summary>
    public static (int Status, string Rid, long? Version)? ParseTwinResponse(string topic) => ParseResponse(topic, "$iothub/twin/res/");

    /// <summary>Parses <c>$dps/registrations/res/{status}/?$rid=…[&amp;retry-after=…]</c>; retry-after in seconds, matched case-insensitively.</summary>
    public static (int Status, string Rid, int? RetryAfter)? ParseDpsResponse(string topic)
    {
        if (!TrySplit(topic, "$dps/registrations/res/", out int status, out Dictionary<string, string?> query) || query.GetValueOrDefault("$rid") is not { } rid)
        {
            return null;
        }

        string? retry = query.FirstOrDefault(kv => kv.Key.Equals("retry-after", StringComparison.OrdinalIgnoreCase)).Value;
        return (status, rid, int.TryParse(retry, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds) ? seconds : null);
    }

    /// <summary>Parses <c>$iothub/twin/PATCH/properties/desired/?$version=…</c>; the version, or null when not that topic.</summary>
    public static long? ParseDesiredPatch(string topic)
    {
        const string prefix = "$iothub/twin/PATCH/properties/desired/";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        Dictionary<string, string?> query = ParseBag(topic[prefix.Length..].TrimStart('?'));
        return long.TryParse(query.GetValueOrDefault("$version"), NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : 0;
    }

    /// <summary>Parses <c>$iothub/methods/POST/{name}/?$rid=…</c>; name and rid URL-decoded, or null.</summary>
    public static (string Name, string Rid)? ParseMethod(string topic)
    {
        const string prefix = "$iothub/methods/POST/";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        string rest = topic[prefix.Length..];
        int slash = rest.IndexOf("/?", StringComparison.Ordinal);
        if (slash <= 0)
        {
            return null;
        }

        string? rid = ParseBag(rest[(slash + 2)..]).GetValueOrDefault("$rid");
        return rid is null ? null : (Uri.UnescapeDataString(rest[..slash]), rid);
    }

    /// <summary>Parses a cloud-to-device topic of <paramref name="deviceId"/>: its property bag, or null when not one.</summary>
    public static Dictionary<string, string?>? ParseCloudToDevice(string topic, string deviceId)
    {
        string prefix = $"devices/{deviceId}/messages/devicebound/";
        return topic.StartsWith(prefix, StringComparison.Ordinal) ? ParseBag(topic[prefix.Length..]) : null;
    }

    private static (int Status, string Rid, long? Version)? ParseResponse(string topic, string prefix)
    {
        if (!TrySplit(topic, prefix, out int status, out Dictionary<string, string?> query) || query.GetValueOrDefault("$rid") is not { } rid)
        {
            return null;
        }

        long? version = long.TryParse(query.GetValueOrDefault("$version"), NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : null;
        return (status, rid, version);
    }

    private static bool TrySplit(string topic, string prefix, out int status, out Dictionary<string, string?> query)
    {
        status = 0;
        query = [];
        if (!topic.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        string rest = topic[prefix.Length..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !int.TryParse(rest.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out status))
        {
            return false;
        }

        string tail = rest[(slash + 1)..];
        if (!tail.StartsWith('?'))
        {
            return false;
        }

        query = ParseBag(tail[1..]); // names are unescaped, so %24rid arrives as $rid
        return true;
    }
}
