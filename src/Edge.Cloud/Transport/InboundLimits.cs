namespace Edge.Cloud.Transport;

/// <summary>
/// The largest payload accepted per kind of inbound message. A larger one is refused with a 413 reply before it is
/// copied or parsed; on MQTT 5 the broker is told the largest packet the gateway takes, so it never sends more.
/// </summary>
public sealed class InboundLimits
{
    /// <summary>Largest command payload (bytes).</summary>
    public int MaxCommandBytes { get; set; } = 64 * 1024;

    /// <summary>Largest desired-configuration payload (bytes).</summary>
    public int MaxDesiredBytes { get; set; } = 64 * 1024;

    /// <summary>Largest pushed-data payload (bytes): large, for whole snapshots.</summary>
    public int MaxStoreDataBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The largest of the three.</summary>
    public int Largest => Math.Max(MaxCommandBytes, Math.Max(MaxDesiredBytes, MaxStoreDataBytes));

    /// <summary>The limit for one kind.</summary>
    public int Of(InboundKind kind) => kind switch
    {
        InboundKind.Command => MaxCommandBytes,
        InboundKind.DesiredConfig => MaxDesiredBytes,
        _ => MaxStoreDataBytes,
    };

    /// <summary>Names the first invalid setting, or null.</summary>
    public string? Problem() =>
        MaxCommandBytes is < 1024 or > 1024 * 1024 ? "Inbound:MaxCommandBytes must be from 1024 to 1048576"
        : MaxDesiredBytes is < 1024 or > 1024 * 1024 ? "Inbound:MaxDesiredBytes must be from 1024 to 1048576"
        : MaxStoreDataBytes is < 1024 or > 256 * 1024 * 1024 ? "Inbound:MaxStoreDataBytes must be from 1024 to 268435456"
        : null;
}

/// <summary>What happened to inbound messages, for health.</summary>
/// <param name="Handled">Messages handed to the gateway.</param>
/// <param name="Oversized">Messages refused (413) for their size.</param>
/// <param name="Failed">Messages whose handling threw; the next one was handled all the same.</param>
/// <param name="LastError">The last refusal or failure (no payload, no secret).</param>
public sealed record InboundStats(long Handled, long Oversized, long Failed, string? LastError);
