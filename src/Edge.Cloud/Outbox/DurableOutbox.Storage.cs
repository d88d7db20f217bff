using LiteDB;

namespace Edge.Cloud.Outbox;

/// <summary>The outbox's storage side: loading, grouped commits and checkpoints.</summary>
public sealed partial class DurableOutbox
{
    private const string OffsetDoc = "$offset";
    private const string SourcePrefix = "$source:";
    private long _ackVersion;

    // What the file holds for each stream and source document, and the offset below which no message is left: a
    // commit writes only what differs from it, so a commit with nothing new writes (and syncs) nothing extra.
    private readonly Dictionary<string, (long Last, long Acked)> _stored = new(StringComparer.Ordinal);
    private long _storedBelow;

    // A class stored by an earlier configuration that no longer exists is sent last.
    private int ClassOf(int stored) => stored >= 0 && stored < _options.Classes.Count ? stored : _options.Classes.Count - 1;

    // Rebuilds the in-memory index from the file; returns the outbox's epoch (a new one for a new file).
    private string Load(LiteDatabase db)
    {
        string? epoch = null;
        foreach (BsonDocument d in db.GetCollection(Streams).FindAll())
        {
            string id = d["_id"].AsString;
            if (id == OffsetDoc)
            {
                _lastOffset = Math.Max(_lastOffset, d["last"].AsInt64);
                epoch = d.TryGetValue("epoch", out BsonValue e) && e.IsString ? e.AsString : null;
                _stored[id] = (d["last"].AsInt64, 0);
            }
            else if (id.StartsWith(SourcePrefix, StringComparison.Ordinal))
            {
                string name = id[SourcePrefix.Length..];
                _sources[name] = new SourceState(name) { Last = d["last"].AsInt64 };
                _stored[id] = (d["last"].AsInt64, 0);
            }
            else
            {
                var state = new StreamState(id, ClassOf(d["cls"].AsInt32)) { LastSeq = d["last"].AsInt64, Acked = d["acked"].AsInt64 };
                _streamStates[state.Name] = state;
                _stored[id] = (state.LastSeq, state.Acked);
            }
        }

        long now = _time.GetUtcNow().UtcTicks;
        foreach (BsonDocument d in StoredMessages(db))
        {
            long offset = d["_id"].AsInt64;
            string name = d["stream"].AsString;
            int cls = ClassOf(d["cls"].AsInt32);
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

            SourceState? source = null;
            long position = 0;
            if (d.TryGetValue("src", out BsonValue src) && src.IsString)
            {
                if (!_sources.TryGetValue(src.AsString, out source))
                {
                    source = new SourceState(src.AsString);
                    _sources[source.Name] = source;
                }

                position = d["pos"].AsInt64;
                source.Pending.Add((position, offset));
            }

            var meta = new Meta(offset, s, seq, cls, d["body"].AsBinary.Length, d["ck"].IsNull ? null : d["ck"].AsString, d["ts"].AsInt64 + _options.TtlOf(cls).Ticks, source, position);
            _pending[offset] = meta;
            _pendingOffsets.Add(offset);
            _ready[cls].Add(offset);
            _bytes += meta.Size;
        }

        // A new file gets a new epoch; it is written with the first commit (a file that never committed numbered nothing).
        return epoch ?? Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
    }

    private void Commit(List<Pending> batch)
    {
        long firstOffset = _lastOffset + 1;
        var created = new List<string>();
        var snapshot = new Dictionary<StreamState, long>();
        var sourceSnapshot = new Dictionary<string, long?>(StringComparer.Ordinal);
        var accepted = new List<(Pending P, Meta M, BsonDocument Doc)>(batch.Count);
        List<long> deletes;
        List<BsonDocument> deadLetters;
        long lowestPending;
        long below;
        List<long> drops;
        List<long> empties;
        bool legacyDone;
        long ackVersion;
        List<BsonDocument> streamDocs;

        lock (_lock)
        {
            foreach (Pending p in batch)
            {
                OutboxEntry e = p.Entry;
                if (!_streamStates.TryGetValue(e.Stream, out StreamState? s))
                {
                    s = new StreamState(e.Stream, e.Class.Priority);
                    _streamStates[e.Stream] = s;
                    created.Add(e.Stream);
                }
                else if (s.Class != e.Class.Priority)
                {
                    // A stream is delivered in order; mixing classes would let priorities reorder it.
                    p.Done.TrySetException(new ArgumentException($"Stream '{e.Stream}' carries {_options.Classes[s.Class].Name} messages, not {e.Class.Name}."));
                    continue;
                }

                snapshot.TryAdd(s, s.LastSeq);
                SourceState? source = null;
                if (e.Source is { } sourceName)
                {
                    if (!_sources.TryGetValue(sourceName, out source))
                    {
                        sourceSnapshot.TryAdd(sourceName, null);
                        source = new SourceState(sourceName);
                        _sources[sourceName] = source;
                    }
                    else
                    {
                        sourceSnapshot.TryAdd(sourceName, source.Last);
                    }

                    // The last one enqueued, not the largest: a producer whose own log rolled back starts lower again.
                    source.Last = e.Position;
                }

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
                    ["cls"] = e.Class.Priority,
                    ["ts"] = ts,
                    ["ck"] = e.CoalesceKey is null ? BsonValue.Null : new BsonValue(e.CoalesceKey),
                    ["body"] = e.Payload,
                };
                if (source is not null)
                {
                    doc["src"] = source.Name;
                    doc["pos"] = e.Position;
                }

                accepted.Add((p, new Meta(offset, s, seq, e.Class.Priority, e.Payload.Length, e.CoalesceKey, ts + _options.TtlOf(e.Class.Priority).Ticks, source, e.Position), doc));
            }

            EnforceBudget(accepted.Sum(a => (long)a.M.Size), accepted.Select(a => a.M).ToList());
            deletes = [.. _toDelete];
            deadLetters = [.. _deadLetters];
            lowestPending = Math.Min(_pendingOffsets.Count > 0 ? _pendingOffsets.Min : long.MaxValue, accepted.Count > 0 ? accepted[0].M.Offset : _lastOffset + 1);
            below = lowestPending == long.MaxValue ? _lastOffset + 1 : lowestPending;
            (drops, empties) = below > _storedBelow ? DoneSegments(below, accepted.Select(a => a.M.Offset)) : ([], []);
            legacyDone = _legacyMax > 0 && below > _legacyMax;
            ackVersion = _ackVersion;
            streamDocs = ChangedStateDocuments();
        }

        List<BsonDocument> inserted = [.. accepted.Select(a => a.Doc)];
        try
        {
            // One transaction, so messages, their sequence numbers, the acknowledged positions and the producers'
            // positions move together: after a crash either the whole group is there with its numbers or none of it is.
            _db.Run(db =>
            {
                db.BeginTrans();
                try
                {
                    StoreMessages(db, inserted, deletes, drops, empties, below, legacyDone);
                    if (deadLetters.Count > 0)
                    {
                        ILiteCollection<BsonDocument> dead = db.GetCollection(DeadLetterCollection);
                        dead.InsertBulk(deadLetters);
                        int over = dead.Count() - KeptDeadLetters;
                        if (over > 0)
                        {
                            dead.DeleteMany("_id <= @0", dead.Find(Query.All("_id", Query.Ascending), limit: over).Last()["_id"]);
                        }
                    }

                    if (streamDocs.Count > 0)
                    {
                        db.GetCollection(Streams).Upsert(streamDocs);
                    }

                    db.Commit();
                }
                catch
                {
                    db.Rollback();
                    throw;
                }
            });
        }
        catch (Exception ex)
        {
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

                foreach ((string name, long? last) in sourceSnapshot)
                {
                    if (last is { } l)
                    {
                        _sources[name].Last = l;
                    }
                    else
                    {
                        _sources.Remove(name);
                    }
                }

                _refused += accepted.Count;
                _lastError = ex.Message;
            }

            foreach ((Pending p, _, _) in accepted)
            {
                p.Done.TrySetException(ex);
            }

            if (ex is LiteException or IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                return; // the producers were told; the writer keeps running and retries with the next batch
            }

            throw;
        }

        lock (_lock)
        {
            _lastCommitAt = _time.GetTimestamp();
            _commits++;
            _lastError = null;
            _storedBelow = Math.Max(_storedBelow, below);
            StoredMessagesChanged(inserted);
            foreach (BsonDocument d in streamDocs)
            {
                _stored[d["_id"].AsString] = (d["last"].AsInt64, d["acked"].AsInt64);
            }

            _toDelete.RemoveRange(0, deletes.Count);
            _deadLetters.RemoveRange(0, deadLetters.Count);
            _checkpointDirty = _ackVersion != ackVersion;
            foreach ((Pending p, Meta m, _) in accepted)
            {
                if (_pending.TryAdd(m.Offset, m))
                {
                    m.Source?.Pending.Add((m.Position, m.Offset));
                    _pendingOffsets.Add(m.Offset);
                    _ready[m.Class].Add(m.Offset);
                    _bytes += m.Size;
                    if (p.Entry.SupersedeWaiting && m.CoalesceKey is { } key)
                    {
                        SupersedeWaiting(key, m.Offset);
                    }
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

        DropSegments(drops, legacyDone);
    }

    // Under the lock: the stream, offset and source documents whose figures differ from what the file holds.
    private List<BsonDocument> ChangedStateDocuments()
    {
        var docs = new List<BsonDocument>();
        bool Changed(string id, long last, long acked) => !_stored.TryGetValue(id, out (long Last, long Acked) held) || held != (last, acked);
        foreach (StreamState s in _streamStates.Values.Where(s => Changed(s.Name, s.LastSeq, s.Acked)))
        {
            docs.Add(new BsonDocument { ["_id"] = s.Name, ["cls"] = s.Class, ["last"] = s.LastSeq, ["acked"] = s.Acked });
        }

        if (Changed(OffsetDoc, _lastOffset, 0))
        {
            docs.Add(new BsonDocument { ["_id"] = OffsetDoc, ["cls"] = 0, ["last"] = _lastOffset, ["acked"] = 0L, ["epoch"] = Epoch });
        }

        foreach (SourceState src in _sources.Values.Where(src => Changed(SourcePrefix + src.Name, src.Last, 0)))
        {
            docs.Add(new BsonDocument { ["_id"] = SourcePrefix + src.Name, ["cls"] = 0, ["last"] = src.Last, ["acked"] = 0L });
        }

        return docs;
    }
}
