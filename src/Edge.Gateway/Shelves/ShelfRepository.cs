using System.Security.Cryptography;
using Edge.Gateway.Hosting;
using LiteDB;

namespace Edge.Gateway.Shelves;

/// <summary>A journaled event with the epoch it was journaled in (null for events journaled before epochs existed).</summary>
public sealed record JournalEntry(ShelfEvent Event, string? Epoch);

/// <summary>
/// Stock rows, the append-only shelf event journal and per-slot calibration, in the gateway database.
/// Documents are mapped by hand so the stored schema is explicit and does not move with a C# rename.
/// </summary>
/// <remarks>
/// Sequence numbers are gap-free within one database, but a database can be lost (quarantined, truncated) or rolled
/// back (its log deleted after a power cut), and then numbers start again. Every event therefore also records the
/// <see cref="Epoch"/> it was journaled in: a random value drawn each time the journal is opened (and after every
/// reopen), so (epoch, seq) never names two different events, whatever happened to the files.
/// </remarks>
public sealed class ShelfRepository
{
    private const string MetaLastSeq = "lastSeq";
    private const string MetaJournalId = "journalId";

    // A parameter, not Query.GT: LiteDB compiles and caches every distinct query text for ever, so a new seq in
    // each query was a memory leak of one compiled method per batch.
    private const string AfterSeq = "_id > @0";

    private readonly GatewayDatabase _database;
    private long _lastSeq;
    private int _generation;
    private bool _journalIdUnsaved;

    /// <summary>Binds to the collections and reads the last journal sequence number.</summary>
    public ShelfRepository(GatewayDatabase database)
    {
        _database = database ?? throw new ArgumentNullException(nameof(database));
        (string? id, _lastSeq) = database.Run(db => (db.GetCollection("meta").FindById(MetaJournalId)?["value"].AsString, ReadLastSeq(db)));
        // A new journal's id is written with its first commit: on a full disk the gateway must still start.
        _journalIdUnsaved = id is null;
        JournalId = id ?? NewId();
        Epoch = NewId();
        _generation = database.Generation;
    }

    /// <summary>Identity of this journal, drawn when its database was created: a lost and recreated database has another.</summary>
    public string JournalId { get; }

    /// <summary>The epoch new events are journaled in (see the remarks).</summary>
    public string Epoch { get; private set; }

    /// <summary>Highest sequence number in the journal.</summary>
    public long LastSeq => _lastSeq;

    /// <summary>
    /// Appends events (assigning their sequence numbers) and upserts stock rows in one transaction, so a crash
    /// leaves either both or neither. Returns the events with <see cref="ShelfEvent.Seq"/> set. Not thread-safe:
    /// one writer owns the journal.
    /// </summary>
    public IReadOnlyList<ShelfEvent> Commit(IReadOnlyList<ShelfEvent> events, IReadOnlyList<StockRow> rows)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(rows);
        (ShelfEvent[] numbered, long last) = _database.Run(db =>
        {
            if (_database.Generation != _generation)
            {
                // The file was reopened after an I/O error: trust what it holds, not what was in memory.
                _generation = _database.Generation;
                _lastSeq = ReadLastSeq(db);
                Epoch = NewId();
            }

            ILiteCollection<BsonDocument> journal = db.GetCollection("shelf_events");
            ILiteCollection<BsonDocument> stock = db.GetCollection("stock");
            var numbered = new ShelfEvent[events.Count];
            long seq = _lastSeq;
            db.BeginTrans();
            try
            {
                for (int i = 0; i < events.Count; i++)
                {
                    numbered[i] = events[i] with { Seq = ++seq };
                    journal.Insert(ToDoc(numbered[i], Epoch));
                }

                foreach (StockRow row in rows)
                {
                    stock.Upsert(ToDoc(row));
                }

                if (seq != _lastSeq)
                {
                    db.GetCollection("meta").Upsert(new BsonDocument { ["_id"] = MetaLastSeq, ["value"] = seq });
                }

                if (_journalIdUnsaved)
                {
                    db.GetCollection("meta").Upsert(new BsonDocument { ["_id"] = MetaJournalId, ["value"] = JournalId });
                }

                db.Commit();
            }
            catch
            {
                db.Rollback();
                throw;
            }

            return (numbered, seq);
        });

        // Only now, with the commit written (Run waits for LiteDB's log writer), does the journal move on.
        _lastSeq = last;
        _journalIdUnsaved = false;
        return numbered;
    }

    /// <summary>All persisted stock rows by shelf id.</summary>
    public Dictionary<string, StockRow> LoadStock() =>
        _database.Run(db => db.GetCollection("stock").FindAll().Select(FromStockDoc).ToDictionary(r => r.ShelfId, StringComparer.Ordinal));

    /// <summary>Journal entries after <paramref name="afterSeq"/>, oldest first.</summary>
    public IEnumerable<ShelfEvent> EventsAfter(long afterSeq, int limit = 1000) => EntriesAfter(afterSeq, limit).Select(e => e.Event);

    /// <summary>Journal entries after <paramref name="afterSeq"/> with their epochs, oldest first (read at once).</summary>
    public IReadOnlyList<JournalEntry> EntriesAfter(long afterSeq, int limit = 1000) =>
        _database.Run(db => db.GetCollection("shelf_events").Find(BsonExpression.Create(AfterSeq, afterSeq), limit: limit)
            .Select(d => new JournalEntry(FromEventDoc(d), d.TryGetValue("ep", out BsonValue ep) && ep.IsString ? ep.AsString : null))
            .ToList());

    /// <summary>A technician's calibration for a slot, if one was saved.</summary>
    public Calibration? LoadCalibration(string shelfId) => _database.Run(db =>
    {
        BsonDocument? d = db.GetCollection("calibration").FindById(shelfId);
        return d is null ? null : new Calibration(d["rawZero"].AsDouble, d["gramsZero"].AsDouble, d["rawSpan"].AsDouble, d["gramsSpan"].AsDouble);
    });

    /// <summary>Saves a slot's calibration.</summary>
    public void SaveCalibration(string shelfId, Calibration calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        _database.Run(db => db.GetCollection("calibration").Upsert(new BsonDocument
        {
            ["_id"] = shelfId,
            ["rawZero"] = calibration.RawZero,
            ["gramsZero"] = calibration.GramsZero,
            ["rawSpan"] = calibration.RawSpan,
            ["gramsSpan"] = calibration.GramsSpan,
        }));
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    // The meta row and the journal itself can disagree after damage (a lost page): never reuse a number that is
    // already in the journal.
    private static long ReadLastSeq(LiteDatabase db)
    {
        long meta = db.GetCollection("meta").FindById(MetaLastSeq)?["value"].AsInt64 ?? 0;
        BsonDocument? last = db.GetCollection("shelf_events").FindOne(Query.All("_id", Query.Descending));
        return Math.Max(meta, last?["_id"].AsInt64 ?? 0);
    }

    private static BsonDocument ToDoc(ShelfEvent e, string epoch) => new()
    {
        ["_id"] = e.Seq,
        ["ep"] = epoch,
        ["type"] = e.Type.ToString(),
        ["shelfId"] = e.ShelfId,
        ["sku"] = e.Sku,
        ["countBefore"] = e.CountBefore,
        ["countAfter"] = e.CountAfter,
        ["grams"] = e.Grams,
        ["confidence"] = e.Confidence,
        ["ts"] = e.Timestamp.ToUnixTimeMilliseconds(),
        ["detail"] = e.Detail is null ? BsonValue.Null : new BsonValue(e.Detail),
    };

    private static ShelfEvent FromEventDoc(BsonDocument d) => new()
    {
        Seq = d["_id"].AsInt64,
        Type = Enum.Parse<ShelfEventType>(d["type"].AsString),
        ShelfId = d["shelfId"].AsString,
        Sku = d["sku"].AsString,
        CountBefore = d["countBefore"].AsInt32,
        CountAfter = d["countAfter"].AsInt32,
        Grams = d["grams"].AsDouble,
        Confidence = d["confidence"].AsDouble,
        Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(d["ts"].AsInt64),
        Detail = d["detail"].IsNull ? null : d["detail"].AsString,
    };

    private static BsonDocument ToDoc(StockRow r) => new()
    {
        ["_id"] = r.ShelfId,
        ["counted"] = r.Counted,
        ["count"] = r.Count,
        ["levelGrams"] = r.LevelGrams,
        ["tareGrams"] = r.TareGrams,
        ["status"] = r.Status.ToString(),
        ["ts"] = r.UpdatedAt.ToUnixTimeMilliseconds(),
    };

    private static StockRow FromStockDoc(BsonDocument d) => new(
        d["_id"].AsString,
        d["counted"].AsBoolean,
        d["count"].AsInt32,
        d["levelGrams"].AsDouble,
        d["tareGrams"].AsDouble,
        Enum.TryParse(d["status"].AsString, out SlotStatus s) ? s : SlotStatus.Starting,
        DateTimeOffset.FromUnixTimeMilliseconds(d["ts"].AsInt64));
}
