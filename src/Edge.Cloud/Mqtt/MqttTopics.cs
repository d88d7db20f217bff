namespace Edge.Cloud.Mqtt;

/// <summary>
/// The topic scheme on a plain broker (documented in the README). Up: <c>retail/{store}/{gateway}/events/{type}</c>,
/// <c>…/status</c> (retained), <c>…/replies</c>, <c>…/config/reported</c>. Down: <c>…/commands/{name}</c>,
/// <c>…/config/desired</c>, and store-wide <c>retail/{store}/{promotions|catalog|online-stock|reservations}</c>.
/// </summary>
public sealed class MqttTopics
{
    /// <summary>Store data kinds that arrive on store-wide topics.</summary>
    public static readonly string[] StoreDataKinds = ["promotions", "catalog", "online-stock", "reservations"];

    private readonly string _store;
    private readonly string _gateway;

    /// <summary>Creates the scheme for one gateway; ids must be valid single topic levels.</summary>
    public MqttTopics(string storeId, string gatewayId)
    {
        _store = CheckLevel(storeId, nameof(storeId));
        _gateway = CheckLevel(gatewayId, nameof(gatewayId));
        Prefix = $"retail/{_store}/{_gateway}";
    }

    /// <summary><c>retail/{store}/{gateway}</c>.</summary>
    public string Prefix { get; }

    /// <summary>Retained online/offline status.</summary>
    public string Status => Prefix + "/status";

    /// <summary>Command replies.</summary>
    public string Replies => Prefix + "/replies";

    /// <summary>Configuration as applied.</summary>
    public string ConfigReported => Prefix + "/config/reported";

    /// <summary>Desired configuration.</summary>
    public string ConfigDesired => Prefix + "/config/desired";

    /// <summary>What the gateway subscribes to.</summary>
    public IReadOnlyList<string> Subscriptions => [Prefix + "/commands/+", ConfigDesired, .. StoreDataKinds.Select(k => $"retail/{_store}/{k}")];

    /// <summary>Topic of an uplink event.</summary>
    public string Event(string type) => $"{Prefix}/events/{CheckLevel(type, nameof(type))}";

    /// <summary>Classifies a downlink topic, or returns null for one that is not ours.</summary>
    public (Transport.InboundKind Kind, string Name)? Classify(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        string commands = Prefix + "/commands/";
        if (topic.StartsWith(commands, StringComparison.Ordinal) && topic.Length > commands.Length && !topic[commands.Length..].Contains('/', StringComparison.Ordinal))
        {
            return (Transport.InboundKind.Command, topic[commands.Length..]);
        }

        if (topic == ConfigDesired)
        {
            return (Transport.InboundKind.DesiredConfig, "config");
        }

        foreach (string kind in StoreDataKinds)
        {
            if (topic == $"retail/{_store}/{kind}")
            {
                return (Transport.InboundKind.StoreData, kind);
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="value"/> can be one topic level: not empty, no <c>/ + #</c> or NUL.</summary>
    public static bool IsLevel(string? value) => !string.IsNullOrWhiteSpace(value) && value.AsSpan().IndexOfAny("/+#\0") < 0;

    /// <summary>Throws unless <paramref name="value"/> can be one topic level.</summary>
    public static string CheckLevel(string value, string name)
    {
        if (!IsLevel(value))
        {
            throw new ArgumentException($"'{value}' cannot be an MQTT topic level (empty, or contains / + # or NUL).", name);
        }

        return value;
    }
}
