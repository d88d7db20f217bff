using System.Text.Json;
using Edge.Gateway.Hosting;
using Edge.Promotions;
using LiteDB;

namespace Edge.Gateway.StoreData;

/// <summary>
/// Store-wide data from the cloud (promotions, catalog, online stock, click-and-collect reservations): one item per
/// document (see <see cref="StoreDataItems"/> for keys), in a collection per kind that <c>store_data</c> names beside
/// the kind's version and item count. Every item of a payload is validated before anything is written. A delta is one
/// transaction; a snapshot is written into a new collection a chunk at a time and made current by one small commit. A
/// bad item, a crash or a full disk leaves the stored version and its items as they were.
/// </summary>
public sealed class StoreDataRepository
{
    private const int InsertChunk = 1000;

    /// <summary>Largest version taken: 2^53 - 1, as for desired configuration.</summary>
    public const long MaxVersion = (1L << 53) - 1;
    private readonly GatewayDatabase _database;

    /// <summary>Binds to the gateway database; a payload stored whole by an older gateway is dropped (its version with it).</summary>
    public StoreDataRepository(GatewayDatabase database)
    {
        _database = database ?? throw new ArgumentNullException(nameof(database));
        LegacyDropped = _database.Run(db => db.GetCollection("store_data").DeleteMany(Query.Not("body", BsonValue.Null)));
        OrphansDropped = _database.Run(DropOrphans);
    }

    /// <summary>Outcome of <see cref="Apply"/>.</summary>
    public enum Outcome
    {
        /// <summary>Stored as the new version.</summary>
        Stored,

        /// <summary>Same or older than what is stored (a repeat, or late): nothing changed.</summary>
        Ignored,

        /// <summary>Malformed: nothing changed.</summary>
        Rejected,

        /// <summary>Storage failed (a full disk): nothing changed; send it again later.</summary>
        Unavailable,

        /// <summary>A delta that does not follow the stored version: nothing changed; a snapshot is needed.</summary>
        Gap,
    }

    /// <summary>What <see cref="Apply"/> did.</summary>
    /// <param name="Kind">The kind of store data.</param>
    /// <param name="Outcome">What happened.</param>
    /// <param name="Message">Why, for the reply and the log.</param>
    /// <param name="Version">The payload's version.</param>
    /// <param name="StoredVersion">The version stored now (the payload's when stored).</param>
    /// <param name="Snapshot">True when the kind was replaced whole.</param>
    /// <param name="Upserts">The items written, typed (empty for a catalog snapshot: it is read back by key).</param>
    /// <param name="Removed">Keys removed by a delta.</param>
    /// <param name="Items">Items of the kind stored now (when stored; otherwise 0).</param>
    public sealed record Result(string Kind, Outcome Outcome, string Message, long Version, long StoredVersion, bool Snapshot,
        IReadOnlyList<(string Key, object Value)> Upserts, IReadOnlyList<string> Removed, int Items = 0);

    /// <summary>Older payloads stored whole (before items had a schema) that were dropped at start.</summary>
    public int LegacyDropped { get; }

    /// <summary>Half-written snapshots (a crash while writing one) that were dropped at start.</summary>
    public int OrphansDropped { get; }

    /// <summary>Validates and stores a snapshot or a delta of <paramref name="kind"/>.</summary>
    public Result Apply(string kind, byte[] json, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (!StoreDataKinds.All.Contains(kind))
        {
            return Rejected(kind, $"'{kind}' is not a kind of store data ({string.Join(", ", StoreDataKinds.All)})");
        }

        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            return Rejected(kind, "payload is not valid UTF-8");
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32, AllowDuplicateProperties = false });
            return Apply(kind, doc.RootElement, now);
        }
        catch (JsonException ex)
        {
            return Rejected(kind, "payload is not JSON: " + ex.Message);
        }
        catch (PromotionFormatException ex)
        {
            return Rejected(kind, ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            // System.Text.Json refuses to decode a lone UTF-16 surrogate escape ("\ud800").
            return Rejected(kind, "payload has a string that is not valid Unicode (a lone surrogate escape): " + ex.Message);
        }
    }

    /// <summary>The stored version of a kind, when it was received and how many items it has, if any.</summary>
    public (long Version, DateTimeOffset ReceivedAt, int Items)? VersionOf(string kind) => _database.Run<(long, DateTimeOffset, int)?>(db =>
    {
        BsonDocument? d = db.GetCollection("store_data").FindById(kind);
        return d is null ? null : (d["version"].AsInt64, DateTimeOffset.FromUnixTimeMilliseconds(d["ts"].AsInt64), d["items"].AsInt32);
    });

    /// <summary>Every stored item of a kind, typed.</summary>
    public IReadOnlyList<(string Key, object Value)> Load(string kind) => _database.Run(db =>
        db.GetCollection(Meta(db, kind).Collection).FindAll().Select(d => Parse(kind, d)).ToList());

    /// <summary>One stored item of a kind by key, typed, or null.</summary>
    public object? Find(string kind, string key) => _database.Run(db =>
        db.GetCollection(Meta(db, kind).Collection).FindById(key) is { } d ? Parse(kind, d).Value : null);

    /// <summary>How many items of a kind are stored.</summary>
    public int Count(string kind) => Meta(kind).Items;

    private Result Apply(string kind, JsonElement root, DateTimeOffset now)
    {
        PromotionJson.RequireObject(root, "payload");
        if (!root.TryGetProperty("version", out JsonElement v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long version) || version < 0)
        {
            return Rejected(kind, "\"version\" must be a whole number >= 0");
        }

        if (version > MaxVersion)
        {
            return Rejected(kind, $"\"version\" must be at most {MaxVersion} (2^53 - 1, what every JSON reader keeps exact)");
        }

        bool delta = root.TryGetProperty("baseVersion", out JsonElement b) && b.ValueKind != JsonValueKind.Null;
        bool snapshotShape = root.TryGetProperty("items", out JsonElement itemsProperty) && itemsProperty.ValueKind != JsonValueKind.Null;
        if (delta == snapshotShape && (delta || root.TryGetProperty("upsert", out _) || root.TryGetProperty("remove", out _)))
        {
            return Rejected(kind, "a payload is a snapshot (\"items\") or a delta (\"baseVersion\" with \"upsert\" and/or \"remove\"), not both");
        }
        long baseVersion = 0;
        if (delta && (b.ValueKind != JsonValueKind.Number || !b.TryGetInt64(out baseVersion) || baseVersion < 0 || baseVersion >= version))
        {
            return Rejected(kind, "\"baseVersion\" must be a whole number >= 0 and below \"version\"");
        }

        JsonElement items;
        string[] removed = [];
        if (delta)
        {
            items = root.TryGetProperty("upsert", out JsonElement u) && u.ValueKind != JsonValueKind.Null ? u : default;
            if (items.ValueKind is not (JsonValueKind.Array or JsonValueKind.Undefined))
            {
                return Rejected(kind, "\"upsert\" must be an array");
            }

            if (root.TryGetProperty("remove", out JsonElement r) && r.ValueKind != JsonValueKind.Null)
            {
                if (r.ValueKind != JsonValueKind.Array)
                {
                    return Rejected(kind, "\"remove\" must be an array of keys");
                }

                removed = [.. r.EnumerateArray().Select((k, i) => k.ValueKind == JsonValueKind.String && k.GetString() is { Length: > 0 } key
                    ? key
                    : throw new PromotionFormatException($"remove[{i}]: must be a non-empty key"))];
                if (removed.Distinct(StringComparer.Ordinal).Count() != removed.Length)
                {
                    return Rejected(kind, "remove: a key appears twice");
                }
            }
        }
        else if (!root.TryGetProperty("items", out items) || items.ValueKind != JsonValueKind.Array)
        {
            return Rejected(kind, "\"items\" must be an array (or send a delta: \"baseVersion\", \"upsert\", \"remove\")");
        }

        string list = delta ? "upsert" : "items";
        bool keepValues = delta || kind != StoreDataKinds.Catalog;
        var upserts = new List<(string Key, object Value)>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var ordered = new List<string>();
        int index = 0;
        foreach (JsonElement item in items.ValueKind == JsonValueKind.Array ? items.EnumerateArray() : default)
        {
            (string key, object value) = StoreDataItems.Read(kind, item, $"{list}[{index}]");
            if (!keys.Add(key))
            {
                return Rejected(kind, $"{list}[{index}]: key '{key}' appears twice in one payload");
            }

            if (removed.Contains(key, StringComparer.Ordinal))
            {
                return Rejected(kind, $"{list}[{index}]: key '{key}' is also in remove");
            }

            ordered.Add(key);
            if (keepValues)
            {
                upserts.Add((key, value));
            }

            index++;
        }

        (long stored, string current, int storedItems) = Meta(kind);
        if (version <= stored)
        {
            return new Result(kind, Outcome.Ignored, $"version {version} is not newer than the stored {stored}", version, stored, !delta, [], []);
        }

        if (delta && baseVersion != stored)
        {
            return new Result(kind, Outcome.Gap, $"delta {baseVersion} → {version} does not follow the stored version {(stored < 0 ? "(none)" : stored)}: a snapshot is needed", version, stored, false, [], []);
        }

        IEnumerable<BsonDocument[]> chunks = (items.ValueKind == JsonValueKind.Array ? items.EnumerateArray() : default)
            .Select((item, i) => new BsonDocument { ["_id"] = ordered[i], ["j"] = item.GetRawText() })
            .Chunk(InsertChunk);
        if (delta)
        {
            int gone = 0;
            int count = storedItems;
            _database.Run(db =>
            {
                ILiteCollection<BsonDocument> collection = db.GetCollection(current);
                db.BeginTrans();
                try
                {
                    gone = removed.Count(key => collection.Delete(key));
                    count -= gone;
                    foreach (BsonDocument[] chunk in chunks)
                    {
                        count += collection.Upsert(chunk);
                    }

                    db.GetCollection("store_data").Upsert(new BsonDocument { ["_id"] = kind, ["version"] = version, ["ts"] = now.ToUnixTimeMilliseconds(), ["coll"] = current, ["items"] = count });
                    db.Commit();
                }
                catch
                {
                    db.Rollback();
                    throw;
                }
            });
            return new Result(kind, Outcome.Stored, $"stored version {version}: delta from {baseVersion}, {upserts.Count} upserted, {gone} removed ({removed.Length - gone} not stored)", version, version, false, upserts, removed, count);
        }

        // A snapshot is written into a collection of its own, a chunk per transaction (so neither memory nor the
        // journal waits on one huge transaction), and made current by one small commit; a crash before that leaves
        // the stored version as it was, and the half-written collection is dropped at the next start.
        string staging = $"{CollectionOf(kind)}_v{version}";
        _database.Run(db => db.DropCollection(staging));
        foreach (BsonDocument[] chunk in chunks)
        {
            _database.Run(db => db.GetCollection(staging).InsertBulk(chunk));
        }

        _database.Run(db => db.GetCollection("store_data").Upsert(new BsonDocument { ["_id"] = kind, ["version"] = version, ["ts"] = now.ToUnixTimeMilliseconds(), ["coll"] = staging, ["items"] = index }));
        if (current != staging)
        {
            _database.Run(db => db.DropCollection(current));
        }

        return new Result(kind, Outcome.Stored, $"stored version {version}: snapshot of {index} items", version, version, true, upserts, [], index);
    }

    private (long Version, string Collection, int Items) Meta(string kind) => _database.Run(db => Meta(db, kind));

    private static (long Version, string Collection, int Items) Meta(LiteDatabase db, string kind)
    {
        BsonDocument? d = db.GetCollection("store_data").FindById(kind);
        return d is null
            ? (-1, CollectionOf(kind), 0)
            : (d["version"].AsInt64, d["coll"].IsString ? d["coll"].AsString : CollectionOf(kind), d["items"].IsInt32 ? d["items"].AsInt32 : 0);
    }

    // Snapshot collections that no stored version names: left by a crash while a snapshot was being written.
    private static int DropOrphans(LiteDatabase db)
    {
        HashSet<string> used = [.. StoreDataKinds.All.Select(k => Meta(db, k).Collection)];
        string[] orphans = [.. db.GetCollectionNames().Where(n => n.StartsWith("sd_", StringComparison.Ordinal) && !used.Contains(n))];
        foreach (string name in orphans)
        {
            db.DropCollection(name);
        }

        return orphans.Length;
    }

    private static (string Key, object Value) Parse(string kind, BsonDocument d)
    {
        using JsonDocument doc = JsonDocument.Parse(d["j"].AsString);
        return StoreDataItems.Read(kind, doc.RootElement, d["_id"].AsString);
    }

    private static string CollectionOf(string kind) => "sd_" + kind.Replace('-', '_');

    private static Result Rejected(string kind, string message) => new(kind, Outcome.Rejected, message, 0, 0, false, [], []);
}
