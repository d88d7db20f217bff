namespace Edge.Cloud.Outbox;

/// <summary>The outbox's status side: counters, and the backlog per class for health and technicians.</summary>
public sealed partial class DurableOutbox
{
    /// <summary>Current counters.</summary>
    public OutboxStats Stats
    {
        get
        {
            lock (_lock)
            {
                return new OutboxStats(_pending.Count, _bytes, _inFlight, _commits, _enqueued, _acked, _coalesced,
                    _options.Classes.ToDictionary(c => c.Name, c => _dropped[c.Priority], StringComparer.Ordinal), _expired, _refused, _deadLettered);
            }
        }
    }

    /// <summary>
    /// The event time of the oldest waiting message, null when none waits. One pass over the in-memory index (100,000
    /// at most) under the lock, so it is asked for by health, not with every <see cref="Stats"/>.
    /// </summary>
    public DateTimeOffset? OldestWaiting
    {
        get
        {
            lock (_lock)
            {
                // The event time is what the expiry was computed from.
                long oldest = long.MaxValue;
                foreach (Meta m in _pending.Values)
                {
                    oldest = Math.Min(oldest, m.ExpiresAt - _options.TtlOf(m.Class).Ticks);
                }

                return oldest == long.MaxValue ? null : new DateTimeOffset(oldest, TimeSpan.Zero);
            }
        }
    }

    /// <summary>
    /// Per class, in priority order: messages waiting and the event time of the oldest (null when none waits). One
    /// pass over the in-memory index under the lock, like <see cref="OldestWaiting"/>: for status, not for every message.
    /// </summary>
    public IReadOnlyList<ClassDepth> Depth()
    {
        lock (_lock)
        {
            int n = _options.Classes.Count;
            long[] counts = new long[n];
            long[] oldest = new long[n];
            Array.Fill(oldest, long.MaxValue);
            foreach (Meta m in _pending.Values)
            {
                counts[m.Class]++;
                oldest[m.Class] = Math.Min(oldest[m.Class], m.ExpiresAt - _options.TtlOf(m.Class).Ticks);
            }

            return [.. _options.Classes.Select(c => new ClassDepth(c.Name, counts[c.Priority], oldest[c.Priority] == long.MaxValue ? null : new DateTimeOffset(oldest[c.Priority], TimeSpan.Zero), _dropped[c.Priority]))];
        }
    }
}
