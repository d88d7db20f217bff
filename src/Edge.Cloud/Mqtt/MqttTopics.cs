namespace Edge.Cloud.Mqtt;

/// <summary>
/// A gateway's topics on a plain broker, under a prefix the gateway chooses. Up: <c>{prefix}/events/{type}</c>,
/// <c>{prefix}/status</c> (retained), <c>{prefix}/replies</c>, <c>{prefix}/config/reported</c>, retained state at <c>{prefix}/{name}</c>. Down:
/// <c>{prefix}/commands/{name}</c>, <c>{prefix}/config/desired</c>, and named data on topics of the gateway's choosing.
/// </summary>
public sealed class MqttTopics
{
    private readonly IReadOnlyDictionary<string, string> _dataTopics;

    /// <summary>Creates the scheme; every level of <paramref name="prefix"/> must be a valid single topic level.</summary>
    /// <param name="prefix">Where the gateway's own topics live, e.g. <c>site/7/unit-2</c>.</param>
    /// <param name="dataTopics">Named data the cloud pushes: name to the topic it arrives on.</param>
    public MqttTopics(string prefix, IReadOnlyDictionary<string, string> dataTopics)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(dataTopics);
        foreach (string level in prefix.Split('/'))
        {
            CheckLevel(level, nameof(prefix));
        }

        Prefix = prefix;
        _dataTopics = dataTopics;
    }

    /// <summary>The gateway's own topics' prefix.</summary>
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
    public IReadOnlyList<string> Subscriptions => [Prefix + "/commands/+", ConfigDesired, .. _dataTopics.Values];

    /// <summary>Topic of retained state under the prefix: <c>{prefix}/{name}</c>, each level of <paramref name="name"/> checked.</summary>
    public string State(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (string level in name.Split('/'))
        {
            CheckLevel(level, nameof(name));
        }

        return $"{Prefix}/{name}";
    }

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

        foreach ((string name, string dataTopic) in _dataTopics)
        {
            if (topic == dataTopic)
            {
                return (Transport.InboundKind.Data, name);
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
