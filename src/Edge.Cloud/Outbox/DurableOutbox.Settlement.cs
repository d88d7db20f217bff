using LiteDB;

namespace Edge.Cloud.Outbox;

/// <summary>The outbox's settlement side: what becomes of a taken message (acknowledged, released, dead-lettered).</summary>
public sealed partial class DurableOutbox
{
    /// <summary>The broker accepted the message: it will not be sent again once the checkpoint passes it.</summary>
    public void Ack(OutboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_lock)
        {
            if (_pending.TryGetValue(message.Offset, out Meta? meta))
            {
                _inFlight--;
                _acked++;
                Remove(meta);
            }
        }
    }

    /// <summary>Raised when a message was set aside for good (see <see cref="DeadLetter"/>), with the reason.</summary>
    public event Action<OutboxMessage, string>? DeadLettered;

    /// <summary>Dead letters kept in the outbox file, at most; older ones are deleted.</summary>
    public const int KeptDeadLetters = 1000;

    /// <summary>
    /// The cloud refused this message for good: it leaves the queue (the checkpoint moves past it, so the next one is
    /// sent), a copy with the reason is kept in the outbox file with the next commit, and it is counted.
    /// </summary>
    public void DeadLetter(OutboxMessage message, string reason)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_lock)
        {
            if (!_pending.TryGetValue(message.Offset, out Meta? meta))
            {
                return;
            }

            _inFlight--;
            _deadLettered++;
            Remove(meta);
            _deadLetters.Add(new BsonDocument
            {
                ["mid"] = message.MessageId,
                ["stream"] = message.Stream,
                ["seq"] = message.Seq,
                ["type"] = message.Type,
                ["cls"] = message.Class.Name,
                ["ts"] = message.Timestamp.UtcTicks,
                ["reason"] = reason,
                ["at"] = _time.GetUtcNow().UtcTicks,
                ["body"] = message.Payload,
            });
        }

        DeadLettered?.Invoke(message, reason);
    }

    /// <summary>The dead letters kept in the outbox file, newest first (what, why and when; not the bodies).</summary>
    public IReadOnlyList<(string MessageId, string Stream, long Seq, string Reason, DateTimeOffset At)> DeadLetters() =>
        _db.Run(db => db.GetCollection(DeadLetterCollection).Find(Query.All("_id", Query.Descending), limit: KeptDeadLetters)
            .Select(d => (d["mid"].AsString, d["stream"].AsString, d["seq"].AsInt64, d["reason"].AsString, new DateTimeOffset(d["at"].AsInt64, TimeSpan.Zero)))
            .ToList());

    /// <summary>Sending failed: the message goes back to the head of its class, keeping stream order.</summary>
    public void Release(OutboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_lock)
        {
            if (_pending.TryGetValue(message.Offset, out Meta? meta))
            {
                _inFlight--;
                _ready[meta.Class].Add(meta.Offset);
            }
        }

        _readySignal.Release();
    }
}
