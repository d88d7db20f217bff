using Edge.Gateway.Hosting;
using LiteDB;

namespace Edge.Gateway.Cloud;

/// <summary>
/// What the shelf-event bridge knows for certain, kept in the gateway database beside the journal: which outbox it
/// last worked with (its epoch), and up to which journal seq every event is acknowledged by the cloud. If the outbox
/// is lost, everything after that seq is sent again; nothing before it needs to be.
/// </summary>
/// <param name="OutboxEpoch">Epoch of the outbox the bridge last forwarded to.</param>
/// <param name="JournalId">The journal the seq below belongs to.</param>
/// <param name="AckedSeq">Every journal event up to this seq was acknowledged (or dropped and counted).</param>
/// <param name="Waiting">Messages waiting in that outbox when this was saved (what a loss of it costs besides shelf events).</param>
/// <param name="SavedAt">When this was saved.</param>
public sealed record BridgeCheckpoint(string OutboxEpoch, string JournalId, long AckedSeq, long Waiting, DateTimeOffset SavedAt)
{
    private const string Id = "cloudBridge";

    /// <summary>The saved checkpoint, or null before the first save.</summary>
    public static BridgeCheckpoint? Load(GatewayDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return database.Run(db => db.GetCollection("meta").FindById(Id) is { } d
            ? new BridgeCheckpoint(d["outboxEpoch"].AsString, d["journalId"].AsString, d["ackedSeq"].AsInt64, d["waiting"].AsInt64, DateTimeOffset.FromUnixTimeMilliseconds(d["ts"].AsInt64))
            : null);
    }

    /// <summary>Saves this checkpoint (one small upsert).</summary>
    public void Save(GatewayDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        database.Run(db => db.GetCollection("meta").Upsert(new BsonDocument
        {
            ["_id"] = Id,
            ["outboxEpoch"] = OutboxEpoch,
            ["journalId"] = JournalId,
            ["ackedSeq"] = AckedSeq,
            ["waiting"] = Waiting,
            ["ts"] = SavedAt.ToUnixTimeMilliseconds(),
        }));
    }
}

/// <summary>An outbox that was lost and what was done about it, for <c>/healthz</c> and the <c>OutboxLost</c> alert.</summary>
/// <param name="PreviousEpoch">Epoch of the lost outbox.</param>
/// <param name="Epoch">Epoch of the outbox that replaced it.</param>
/// <param name="DetectedAt">When the loss was found (at start).</param>
/// <param name="Reason">What happened to the file, when known (quarantined and why), else that it was replaced.</param>
/// <param name="ResentAfterSeq">Journal events after this seq are sent again.</param>
/// <param name="ResentThroughSeq">…up to this one (the journal's last seq at start).</param>
/// <param name="WaitingWhenLastSeen">Messages the lost outbox held when last checkpointed, shelf events included.</param>
/// <param name="LastSeenAt">When that was.</param>
public sealed record OutboxLoss(string PreviousEpoch, string Epoch, DateTimeOffset DetectedAt, string Reason, long ResentAfterSeq, long ResentThroughSeq, long WaitingWhenLastSeen, DateTimeOffset LastSeenAt);
