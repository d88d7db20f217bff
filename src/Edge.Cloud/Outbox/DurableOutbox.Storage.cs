using LiteDB;

namespace Edge.Cloud.Outbox;

/// <summary>The outbox's storage side: loading, grouped commits, checkpoints and the overflow policy.</summary>
public sealed partial class DurableOutbox
{
    private long _ackVersion;

    private void Load()
    {
        foreach (BsonDocument d in _streams.FindAll())
        {
            var state = new StreamState(d["_id"].AsString, (MessageClass)d["cls"].AsInt32) { LastSeq = d["last"].AsInt64, Acked = d["acked"].AsInt64 };
            _streamStates[state.Name] = state;
        }

        long now = _time.GetUtcNow().UtcTicks;
        foreach (BsonDocument d in _messages.Find(Query.All("_id", Query.Ascending)))
        {
            long offset = d["_id"].AsInt64;
            string name = d["stream"].AsString;
            var cls = (MessageClass)d["cls"].AsInt32;
            if (!_streamStates.TryGetValue(name, out StreamState? s))
            {
                s = new StreamState(name, cls);
                _streamStates[name] = s;
            }

            long seq = d["seq"].AsInt64;
            s.LastSeq = Math.Max(s.LastSeq, seq);
            _lastOffset = Math.Max(_lastOffset, offset);
            if (seq <= s.Acked)
            {
                _toDelete.Add(offset); // acknowledged before the crash, deleted at the next checkpoint
                continue;
            }

            var meta = new Meta(offset, s, seq, cls, d["body"].AsBinary.Length, d["ck"].IsNull ? null : d["ck"].AsString, d["ts"].AsInt64 + _options.TtlOf(cls).Ticks);
            _pending[offset] = meta;
            _pendingOffsets.Add(offset);
            _ready[(int)cls].Add(offset);
            _bytes += meta.Size;
        }

        // Keep the numbering after a checkpoint that outlived its messages.
        _lastOffset = Math.Max(_lastOffset, _streams.FindById("$offset")?["last"].AsInt64 ?? 0);
        _streamStates.Remove("$offset");
    }

    private void Commit(List<Pending> batch)
    {
        long firstOffset = _lastOffset + 1;
        var created = new List<string>();
        var snapshot = new Dictionary<StreamState, long>();
        var accepted = new List<(Pending P, Meta M, BsonDocument Doc)>(batch.Count);
        List<long> deletes;
        long lowestPending;
        long ackVersion;
        List<BsonDocument> streamDocs;

        lock (_lock)
        {
            foreach (Pending p in batch)
            {
                OutboxEntry e = p.Entry;
                if (!_streamStates.TryGetValue(e.Stream, out StreamState? s))
                {
                    s = new StreamState(e.Stream, e.Class);
                    _streamStates[e.Stream] = s;
                    created.Add(e.Stream);
                }
                else if (s.Class != e.Class)
                {
                    // A stream is delivered in order; mixing classes would let priorities reorder it.
                    p.Done.TrySetException(new ArgumentException($"Stream '{e.Stream}' carries {s.Class} messages, not {e.Class}."));
                    continue;
                }

                snapshot.TryAdd(s, s.LastSeq);
                long offset = ++_lastOffset;
                long seq = ++s.LastSeq;
                long ts = (e.Timestamp ?? _time.GetUtcNow()).UtcTicks;
                var doc = new BsonDocument
                {
                    ["_id"] = offset,
                    ["mid"] = e.MessageId ?? Guid.CreateVersion7().ToString(),
                    ["stream"] = e.Stream,
                    ["seq"] = seq,
                    ["type"] = e.Type,
                    ["cls"] = (int)e.Class,
                    ["ts"] = ts,
                    ["ck"] = e.CoalesceKey is null ? BsonValue.Null : new BsonValue(e.CoalesceKey),
                    ["body"] = e.Payload,
                };
                accepted.Add((p, new Meta(offset, s, seq, e.Class, e.Payload.Length, e.CoalesceKey, ts + _options.TtlOf(e.Class).Ticks), doc));
            }

            EnforceBudget(accepted.Sum(a => (long)a.M.Size), accepted.Select(a => a.M).ToList());
            deletes = [.. _toDelete];
            lowestPending = Math.Min(_pendingOffsets.Count > 0 ? _pendingOffsets.Min : long.MaxValue, accepted.Count > 0 ? accepted[0].M.Offset : _lastOffset + 1);
            ackVersion = _ackVersion;
            streamDocs = [.. _streamStates.Values.Select(s => new BsonDocument { ["_id"] = s.Name, ["cls"] = (int)s.Class, ["last"] = s.LastSeq, ["acked"] = s.Acked })];
            streamDocs.Add(new BsonDocument { ["_id"] = "$offset", ["cls"] = 0, ["last"] = _lastOffset, ["acked"] = 0L });
        }

        try
        {
            // One transaction, so messages, their sequence numbers and the acknowledged positions move together:
            // after a crash either the whole group is there with its numbers or none of it is.
            _db.BeginTrans();
            if (accepted.Count > 0)
            {
                _messages.InsertBulk(accepted.Select(a => a.Doc));
            }

            foreach (long offset in deletes)
            {
                _messages.Delete(offset);
            }

            _messages.DeleteMany(Query.LT("_id", lowestPending == long.MaxValue ? _lastOffset + 1 : lowestPending));
            _streams.Upsert(streamDocs);
            _db.Commit();
        }
        catch (Exception ex)
        {
            _db.Rollback();
            lock (_lock)
            {
                _lastOffset = firstOffset - 1;
                foreach ((StreamState s, long last) in snapshot)
                {
                    s.LastSeq = last;
                }

                foreach (string name in created)
                {
                    _streamStates.Remove(name);
                }
            }

            foreach ((Pending p, _, _) in accepted)
            {
                p.Done.TrySetException(ex);
            }

            if (ex is LiteException or IOException or UnauthorizedAccessException)
            {
                return; // the producers were told; the writer keeps running and retries with the next batch
            }

            throw;
        }

        lock (_lock)
        {
            _lastCommitAt = _time.GetTimestamp();
            _commits++;
            _toDelete.RemoveRange(0, deletes.Count);
            _checkpointDirty = _ackVersion != ackVersion;
            foreach ((_, Meta m, _) in accepted)
            {
                if (_pending.TryAdd(m.Offset, m))
                {
                    _pendingOffsets.Add(m.Offset);
                    _ready[(int)m.Class].Add(m.Offset);
                    _bytes += m.Size;
                }
            }

            _enqueued += accepted.Count;
        }

        foreach ((Pending p, Meta m, BsonDocument doc) in accepted)
        {
            p.Done.TrySetResult(new OutboxReceipt(m.Offset, doc["mid"].AsString, m.Seq));
        }

        if (accepted.Count > 0 && _readySignal.CurrentCount == 0)
        {
            _readySignal.Release();
        }

    }

    // Called under the lock before a commit. New messages count towards the budget; victims are chosen among messages
    // waiting to be sent (never in flight): first superseded state, then the oldest telemetry, alerts, stock.
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

        foreach (MessageClass victim in (MessageClass[])[MessageClass.Telemetry, MessageClass.Alert, MessageClass.Stock])
        {
            SortedSet<long> ready = _ready[(int)victim];
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
        _dropped[(int)meta.Class]++;
        Remove(meta);
        _toDelete.Add(meta.Offset);
    }

    private void Remove(Meta meta)
    {
        _pending.Remove(meta.Offset);
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
