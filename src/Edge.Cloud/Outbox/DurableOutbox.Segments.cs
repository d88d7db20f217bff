using LiteDB;

namespace Edge.Cloud.Outbox;

/// <summary>
/// Where the outbox's messages are stored, and how they are read ahead. Messages live in segment collections of
/// <see cref="SegmentSize"/> consecutive offsets each (<c>outbox_seg{n}</c>): once every message of a segment is done,
/// the whole collection is dropped, which frees its pages in one go, where deleting its documents one by one cost
/// LiteDB about 30 µs each (as much as sending them). Files written before segments keep their messages in the
/// collection <c>outbox</c>, which is read and emptied as before.
/// </summary>
public sealed partial class DurableOutbox
{
    /// <summary>Consecutive offsets per segment collection.</summary>
    internal const int SegmentSize = 4096;

    private const string SegmentPrefix = "outbox_seg";
    // 64, not more: the documents read ahead outlive a gen0 collection or two, and LiteDB builds each of them from
    // about 3.7 KB of allocations. Interleaved drains of 100,000 gave median ratios of 0.37-0.43 to mosquitto_pub with
    // 256 and 0.48-0.52 with 64; 32 and 128 were no better than 64.
    private const int ReadAhead = 64;
    private const int MaxReadAhead = 4 * ReadAhead;

    // Live segments and the highest offset each holds; and the highest offset of the collection of older files (0 when empty).
    private readonly SortedDictionary<long, long> _segments = [];
    private readonly Dictionary<long, BsonDocument> _readAhead = [];
    private long _legacyMax;

    private static string SegmentName(long segment) => SegmentPrefix + segment.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private string CollectionOf(long offset) => offset <= _legacyMax ? Messages : SegmentName(offset / SegmentSize);

    // Every stored message in offset order: the older files' collection first (its offsets are all lower), then the segments.
    private IEnumerable<BsonDocument> StoredMessages(LiteDatabase db)
    {
        foreach (BsonDocument d in db.GetCollection(Messages).Find(Query.All("_id", Query.Ascending)))
        {
            _legacyMax = Math.Max(_legacyMax, d["_id"].AsInt64);
            yield return d;
        }

        var segments = new List<long>();
        foreach (string name in db.GetCollectionNames())
        {
            if (name.StartsWith(SegmentPrefix, StringComparison.Ordinal) && long.TryParse(name.AsSpan(SegmentPrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long segment))
            {
                segments.Add(segment);
            }
        }

        segments.Sort();
        foreach (long segment in segments)
        {
            _segments[segment] = segment * SegmentSize;
            foreach (BsonDocument d in db.GetCollection(SegmentName(segment)).Find(Query.All("_id", Query.Ascending)))
            {
                _segments[segment] = Math.Max(_segments[segment], d["_id"].AsInt64);
                yield return d;
            }
        }
    }

    // Under the lock: the segments whose every message is done (all below the lowest pending offset). A complete
    // segment (every offset of it assigned) is dropped after the commit, as LiteDB drops collections only outside a
    // transaction; the newest, still filling, is emptied inside it instead (few messages: the outbox had caught up).
    private (List<long> Drops, List<long> Empties) DoneSegments(long below, IEnumerable<long> receiving)
    {
        var keep = receiving.Select(o => o / SegmentSize).ToHashSet();
        var drops = new List<long>();
        var empties = new List<long>();
        foreach ((long segment, long max) in _segments.Where(s => s.Value < below))
        {
            if ((segment + 1) * SegmentSize - 1 <= _lastOffset && !keep.Contains(segment))
            {
                drops.Add(segment);
            }
            else
            {
                empties.Add(segment);
            }
        }

        return (drops, empties);
    }

    // Inside the commit's transaction: new messages into their segments, single deletes, done messages of the
    // segment still filling and of the older files' collection.
    private void StoreMessages(LiteDatabase db, List<BsonDocument> inserted, List<long> deletes, List<long> drops, List<long> empties, long below, bool legacyDone)
    {
        foreach (IGrouping<long, BsonDocument> segment in inserted.GroupBy(d => d["_id"].AsInt64 / SegmentSize))
        {
            db.GetCollection(SegmentName(segment.Key)).InsertBulk(segment);
        }

        var dropped = drops.ToHashSet();
        foreach (long offset in deletes)
        {
            if (offset <= _legacyMax ? !legacyDone : !dropped.Contains(offset / SegmentSize))
            {
                db.GetCollection(CollectionOf(offset)).Delete(offset);
            }
        }

        // A parameter, not Query.LT: LiteDB compiles and caches every distinct query text for ever.
        if (_legacyMax > 0 && below > _storedBelow && !legacyDone)
        {
            db.GetCollection(Messages).DeleteMany("_id < @0", new BsonValue(below));
        }

        foreach (long segment in empties)
        {
            db.GetCollection(SegmentName(segment)).DeleteMany("_id < @0", new BsonValue(below));
        }
    }

    // After the commit: complete segments (and the older files' collection, once empty) dropped, each in a
    // transaction of its own. Failing here loses nothing: their messages are done, and they are dropped later.
    private void DropSegments(List<long> drops, bool legacyDone)
    {
        if (drops.Count == 0 && !legacyDone)
        {
            return;
        }

        try
        {
            _db.Run(db =>
            {
                foreach (long segment in drops)
                {
                    db.DropCollection(SegmentName(segment));
                }

                if (legacyDone)
                {
                    db.DropCollection(Messages);
                }
            });
        }
        catch (Exception ex) when (ex is LiteException or IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            lock (_lock)
            {
                _lastError = ex.Message;
            }

            return;
        }

        lock (_lock)
        {
            foreach (long segment in drops)
            {
                _segments.Remove(segment);
            }

            if (legacyDone)
            {
                _legacyMax = 0;
            }
        }
    }

    // Under the lock, after the commit: the segments that now hold messages, and the highest offset of each.
    private void StoredMessagesChanged(List<BsonDocument> inserted)
    {
        foreach (BsonDocument d in inserted)
        {
            long offset = d["_id"].AsInt64;
            long segment = offset / SegmentSize;
            _segments[segment] = _segments.TryGetValue(segment, out long max) ? Math.Max(max, offset) : offset;
        }
    }

    // The stored message at an offset: from what was read ahead, else read with up to ReadAhead of the pending
    // messages after it in one range query (a backlog is sent in offset order, so the next ones are wanted next).
    private BsonDocument? ReadMessage(long offset)
    {
        lock (_lock)
        {
            if (_readAhead.Remove(offset, out BsonDocument? cached))
            {
                return cached;
            }
        }

        List<BsonDocument> docs = _db.Run(db => db.GetCollection(CollectionOf(offset)).Find(BsonExpression.Create("_id >= @0", new BsonValue(offset)), 0, ReadAhead).ToList());
        BsonDocument? wanted = null;
        lock (_lock)
        {
            if (_readAhead.Count + docs.Count > MaxReadAhead)
            {
                _readAhead.Clear();
            }

            foreach (BsonDocument d in docs)
            {
                long at = d["_id"].AsInt64;
                if (at == offset)
                {
                    wanted = d;
                }
                else if (_pending.ContainsKey(at))
                {
                    _readAhead[at] = d;
                }
            }
        }

        return wanted;
    }
}
