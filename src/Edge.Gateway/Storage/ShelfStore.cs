using Edge.Gateway.Shelves;
using LiteDB;

namespace Edge.Gateway.Storage;

/// <summary>
/// Stock rows, the append-only shelf event journal and per-slot calibration, in the gateway database.
/// Documents are mapped by hand so the stored schema is explicit and does not move with a C# rename.
/// </summary>
public sealed class ShelfStore
{
    private const string MetaLastSeq = "lastSeq";
    private const string MetaCloudForwarded = "cloudForwardedSeq";

    private readonly ILiteCollection<BsonDocument> _stock;
    private readonly ILiteCollection<BsonDocument> _events;
    private readonly ILiteCollection<BsonDocument> _calibration;
    private readonly ILiteCollection<BsonDocument> _meta;
    private readonly LiteDatabase _db;
    private long _lastSeq;

    /// <summary>Binds to the collections and reads the last journal sequence number.</summary>
    public ShelfStore(GatewayDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _db = database.Db;
        _stock = _db.GetCollection("stock");
        _events = _db.GetCollection("shelf_events");
        _calibration = _db.GetCollection("calibration");
        _meta = _db.GetCollection("meta");
        _lastSeq = _meta.FindById(MetaLastSeq)?["value"].AsInt64 ?? 0;
    }

    /// <summary>Highest sequence number in the journal.</summary>
    public long LastSeq => _lastSeq;

    /// <summary>Commits that have been made, for measurement.</summary>
    public long Commits { get; private set; }

    /// <summary>
    /// Appends events (assigning their sequence numbers) and upserts stock rows in one transaction, so a crash
    /// leaves either both or neither. Returns the events with <see cref="ShelfEvent.Seq"/> set. Not thread-safe:
    /// one writer owns the journal.
    /// </summary>
    public IReadOnlyList<ShelfEvent> Commit(IReadOnlyList<ShelfEvent> events, IReadOnlyList<StockRow> rows)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(rows);
        var numbered = new ShelfEvent[events.Count];
        long seq = _lastSeq;
        _db.BeginTrans();
        try
        {
            for (int i = 0; i < events.Count; i++)
            {
                numbered[i] = events[i] with { Seq = ++seq };
                _events.Insert(ToDoc(numbered[i]));
            }

            foreach (StockRow row in rows)
            {
                _stock.Upsert(ToDoc(row));
            }

            if (seq != _lastSeq)
            {
                _meta.Upsert(new BsonDocument { ["_id"] = MetaLastSeq, ["value"] = seq });
            }

            _db.Commit();
        }
        catch
        {
            _db.Rollback();
            throw;
        }

        _lastSeq = seq;
        Commits++;
        return numbered;
    }

    /// <summary>All persisted stock rows by shelf id.</summary>
    public Dictionary<string, StockRow> LoadStock() =>
        _stock.FindAll().Select(FromStockDoc).ToDictionary(r => r.ShelfId, StringComparer.Ordinal);

    /// <summary>Journal entries after <paramref name="afterSeq"/>, oldest first.</summary>
    public IEnumerable<ShelfEvent> EventsAfter(long afterSeq, int limit = 1000) =>
        _events.Find(Query.GT("_id", afterSeq), limit: limit).Select(FromEventDoc);

    /// <summary>Highest journal sequence number already handed to the cloud outbox.</summary>
    public long CloudForwardedSeq => _meta.FindById(MetaCloudForwarded)?["value"].AsInt64 ?? 0;

    /// <summary>Records that the journal up to <paramref name="seq"/> is in the cloud outbox.</summary>
    public void SetCloudForwardedSeq(long seq) => _meta.Upsert(new BsonDocument { ["_id"] = MetaCloudForwarded, ["value"] = seq });

    /// <summary>A technician's calibration for a slot, if one was saved.</summary>
    public Calibration? LoadCalibration(string shelfId)
    {
        BsonDocument? d = _calibration.FindById(shelfId);
        return d is null ? null : new Calibration(d["rawZero"].AsDouble, d["gramsZero"].AsDouble, d["rawSpan"].AsDouble, d["gramsSpan"].AsDouble);
    }

    /// <summary>Saves a slot's calibration.</summary>
    public void SaveCalibration(string shelfId, Calibration calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        _calibration.Upsert(new BsonDocument
        {
            ["_id"] = shelfId,
            ["rawZero"] = calibration.RawZero,
            ["gramsZero"] = calibration.GramsZero,
            ["rawSpan"] = calibration.RawSpan,
            ["gramsSpan"] = calibration.GramsSpan,
        });
    }

    private static BsonDocument ToDoc(ShelfEvent e) => new()
    {
        ["_id"] = e.Seq,
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
