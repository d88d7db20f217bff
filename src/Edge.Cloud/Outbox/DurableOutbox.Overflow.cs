namespace Edge.Cloud.Outbox;

/// <summary>The outbox's overflow policy and how a message leaves the queue: superseded, dropped or done.</summary>
public sealed partial class DurableOutbox
{
    // Under the lock, once the newer message is durable: the older one with the same key still waiting to be sent
    // (never one in flight) leaves the queue, counted as coalesced, and is deleted with the next commit.
    private void SupersedeWaiting(string key, long offset)
    {
        if (_waitingByKey.TryGetValue(key, out long older) && _pending.TryGetValue(older, out Meta? meta) && _ready[meta.Class].Remove(older))
        {
            _coalesced++;
            Remove(meta);
            _toDelete.Add(older);
        }

        _waitingByKey[key] = offset;
    }

    // Called under the lock before a commit. New messages count towards the budget; victims are chosen among messages
    // waiting to be sent (never in flight): first superseded state, then the oldest of each class in drop-rank order.
    private void EnforceBudget(long incomingBytes, List<Meta> incoming)
    {
        bool Over() => _bytes + incomingBytes > _options.MaxBytes || _pending.Count + incoming.Count > _options.MaxMessages;
        if (!Over())
        {
            return;
        }

        var latest = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (Meta m in _pending.Values.Concat(incoming))
        {
            if (m.CoalesceKey is { } key && (!latest.TryGetValue(key, out long at) || m.Offset > at))
            {
                latest[key] = m.Offset;
            }
        }

        foreach (SortedSet<long> ready in _ready)
        {
            foreach (long offset in ready.ToList())
            {
                Meta m = _pending[offset];
                if (m.CoalesceKey is { } key && latest[key] != offset)
                {
                    ready.Remove(offset);
                    _coalesced++;
                    Remove(m);
                    _toDelete.Add(offset);
                }
            }
        }

        foreach (MessageClass victim in _options.Classes.OrderBy(c => c.DropRank))
        {
            SortedSet<long> ready = _ready[victim.Priority];
            while (Over() && ready.Count > 0)
            {
                long offset = ready.Min;
                ready.Remove(offset);
                Drop(_pending[offset]);
            }
        }
    }

    // A message that will never be sent: counted, removed, and its sequence number treated as done so the checkpoint
    // can move past it.
    private void Drop(Meta meta)
    {
        _dropped[meta.Class]++;
        Remove(meta);
        _toDelete.Add(meta.Offset);
    }

    private void Remove(Meta meta)
    {
        _pending.Remove(meta.Offset);
        _readAhead.Remove(meta.Offset);
        meta.Source?.Pending.Remove((meta.Position, meta.Offset));
        _pendingOffsets.Remove(meta.Offset);
        _bytes -= meta.Size;
        StreamState s = meta.Stream;
        if (meta.Seq == s.Acked + 1)
        {
            s.Acked = meta.Seq;
            while (s.AckedAhead.Remove(s.Acked + 1))
            {
                s.Acked++;
            }
        }
        else if (meta.Seq > s.Acked)
        {
            s.AckedAhead.Add(meta.Seq);
        }

        _ackVersion++;
        _checkpointDirty = true;
    }
}
