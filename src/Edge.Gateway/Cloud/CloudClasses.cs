using Edge.Cloud.Outbox;

namespace Edge.Gateway.Cloud;

/// <summary>
/// The gateway's delivery classes (the outbox knows none of its own): alerts are sent first, then stock events, then
/// telemetry, offers, then proof of play; over budget telemetry is dropped first, then offers, proof of play, alerts,
/// and stock events last. The time to live of each comes from <c>Cloud:Outbox:*Ttl</c>.
/// </summary>
public static class CloudClasses
{
    /// <summary>Sensor faults, beacon and gateway health: no longer actionable after a day.</summary>
    public static readonly MessageClass Alert = new("alert", 0, 3, TimeSpan.FromDays(1));

    /// <summary>Stock events: never coalesced, the last to be dropped.</summary>
    public static readonly MessageClass Stock = new("stock", 1, 4, TimeSpan.FromDays(14));

    /// <summary>Presence and stock levels: superseded state, dropped first.</summary>
    public static readonly MessageClass Telemetry = new("telemetry", 2, 0, TimeSpan.FromHours(6));

    /// <summary>App offers: worth something for minutes only (an offer an hour late is worse than none).</summary>
    public static readonly MessageClass Offer = new("offer", 3, 1, TimeSpan.FromMinutes(15));

    /// <summary>Rotations the screens displayed: what the retailer bills brands by, kept two weeks by default.</summary>
    public static readonly MessageClass ProofOfPlay = new("proof-of-play", 4, 2, TimeSpan.FromDays(14));

    /// <summary>The five, with their default times to live.</summary>
    public static IReadOnlyList<MessageClass> Default => [Alert, Stock, Telemetry, Offer, ProofOfPlay];

    /// <summary>The five, with the configured times to live.</summary>
    public static IReadOnlyList<MessageClass> With(TimeSpan alertTtl, TimeSpan stockTtl, TimeSpan telemetryTtl, TimeSpan offerTtl, TimeSpan proofOfPlayTtl) =>
        [Alert with { Ttl = alertTtl }, Stock with { Ttl = stockTtl }, Telemetry with { Ttl = telemetryTtl }, Offer with { Ttl = offerTtl }, ProofOfPlay with { Ttl = proofOfPlayTtl }];
}

/// <summary>Section <c>Cloud:Outbox</c>: the durable outbox's settings, in the gateway's words.</summary>
public sealed class OutboxSettings
{
    private static readonly OutboxOptions Defaults = new();

    /// <summary>At most one commit (one fsync) per interval; everything queued meanwhile shares it.</summary>
    public TimeSpan CommitInterval { get; set; } = Defaults.CommitInterval;

    /// <summary>Most messages in one commit.</summary>
    public int MaxBatch { get; set; } = Defaults.MaxBatch;

    /// <summary>Disk budget for waiting messages.</summary>
    public long MaxBytes { get; set; } = Defaults.MaxBytes;

    /// <summary>Most waiting messages (their index is in memory).</summary>
    public int MaxMessages { get; set; } = Defaults.MaxMessages;

    /// <summary>Largest single message.</summary>
    public int MaxMessageBytes { get; set; } = Defaults.MaxMessageBytes;

    /// <summary>Time to live of alerts.</summary>
    public TimeSpan AlertTtl { get; set; } = CloudClasses.Alert.Ttl;

    /// <summary>Time to live of stock events.</summary>
    public TimeSpan StockTtl { get; set; } = CloudClasses.Stock.Ttl;

    /// <summary>Time to live of telemetry.</summary>
    public TimeSpan TelemetryTtl { get; set; } = CloudClasses.Telemetry.Ttl;

    /// <summary>Time to live of app offers.</summary>
    public TimeSpan OfferTtl { get; set; } = CloudClasses.Offer.Ttl;

    /// <summary>Time to live of proof-of-play reports.</summary>
    public TimeSpan ProofOfPlayTtl { get; set; } = CloudClasses.ProofOfPlay.Ttl;

    /// <summary>How often acknowledged positions are written when nothing else is committed.</summary>
    public TimeSpan CheckpointInterval { get; set; } = Defaults.CheckpointInterval;

    /// <summary>The outbox's options with the gateway's classes.</summary>
    public OutboxOptions ToOptions() => new()
    {
        CommitInterval = CommitInterval,
        MaxBatch = MaxBatch,
        MaxBytes = MaxBytes,
        MaxMessages = MaxMessages,
        MaxMessageBytes = MaxMessageBytes,
        CheckpointInterval = CheckpointInterval,
        Classes = CloudClasses.With(AlertTtl, StockTtl, TelemetryTtl, OfferTtl, ProofOfPlayTtl),
    };
}
