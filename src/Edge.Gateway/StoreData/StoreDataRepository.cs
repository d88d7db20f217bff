using System.Text.Json;
using Edge.Gateway.Hosting;
using LiteDB;

namespace Edge.Gateway.StoreData;

/// <summary>
/// Store-wide data from the cloud (promotions, catalog, online stock, click-and-collect reservations), one document
/// per kind, versioned: an older or equal version arriving late is ignored, so delivery may repeat or reorder.
/// </summary>
public sealed class StoreDataRepository
{
    private readonly GatewayDatabase _database;

    /// <summary>Binds to the gateway database.</summary>
    public StoreDataRepository(GatewayDatabase database) => _database = database ?? throw new ArgumentNullException(nameof(database));

    /// <summary>Outcome of <see cref="Apply"/>.</summary>
    public enum Outcome
    {
        /// <summary>Stored as the new version.</summary>
        Stored,

        /// <summary>Same or older than what is stored: nothing changed.</summary>
        Ignored,

        /// <summary>Malformed: nothing changed.</summary>
        Rejected,

        /// <summary>Storage failed (a full disk): nothing changed; send it again later.</summary>
        Unavailable,
    }

    /// <summary>Validates and stores <paramref name="json"/> (<c>{"version": n, "items": [...]}</c>) for a kind.</summary>
    public (Outcome Outcome, string Message) Apply(string kind, byte[] json, DateTimeOffset now) => Apply(kind, json, now, out _);

    /// <summary>As <see cref="Apply(string, byte[], DateTimeOffset)"/>, giving the payload's version (0 when it has none).</summary>
    public (Outcome Outcome, string Message) Apply(string kind, byte[] json, DateTimeOffset now, out long version)
    {
        version = 0;
        string body;
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            return (Outcome.Rejected, "payload is not valid UTF-8");
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (Outcome.Rejected, "payload must be a JSON object");
            }

            if (!root.TryGetProperty("version", out JsonElement v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out version) || version < 0)
            {
                return (Outcome.Rejected, "\"version\" must be a whole number >= 0");
            }

            if (!root.TryGetProperty("items", out JsonElement items) || items.ValueKind != JsonValueKind.Array)
            {
                return (Outcome.Rejected, "\"items\" must be an array");
            }

            body = root.GetRawText();
        }
        catch (JsonException ex)
        {
            return (Outcome.Rejected, "payload is not JSON: " + ex.Message);
        }

        long incoming = version;
        return _database.Run(db =>
        {
            ILiteCollection<BsonDocument> data = db.GetCollection("store_data");
            BsonDocument? current = data.FindById(kind);
            if (current is not null && current["version"].AsInt64 >= incoming)
            {
                return (Outcome.Ignored, $"version {incoming} is not newer than the stored {current["version"].AsInt64}");
            }

            data.Upsert(new BsonDocument { ["_id"] = kind, ["version"] = incoming, ["ts"] = now.ToUnixTimeMilliseconds(), ["body"] = body });
            return (Outcome.Stored, $"stored version {incoming}");
        });
    }

    /// <summary>The stored version and JSON of a kind, if any.</summary>
    public (long Version, string Json)? Get(string kind) => _database.Run<(long, string)?>(db =>
    {
        BsonDocument? d = db.GetCollection("store_data").FindById(kind);
        return d is null ? null : (d["version"].AsInt64, d["body"].AsString);
    });
}
