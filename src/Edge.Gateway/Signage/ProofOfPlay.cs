using System.Text.Json;
using Edge.Cloud.Outbox;
using Edge.Gateway.Cloud;
using Edge.Gateway.Hosting;
using Edge.Promotions;
using LiteDB;

namespace Edge.Gateway.Signage;

/// <summary>A promotion a rotation showed.</summary>
public sealed record PlayedPromotion(string Id, long Version);

/// <summary>One rotation a page actually displayed, as the page reports it.</summary>
public sealed record Play(string ScreenId, string PlayerId, IReadOnlyList<string> Skus, IReadOnlyList<PlayedPromotion> Promotions,
    DateTimeOffset Start, long DurationMs, string Visibility, long? ContentVersion);

/// <summary>Plays of one promotion on one screen in one hour (UTC), as <c>GET /api/proof-of-play</c> lists them.</summary>
public sealed record PlayCount(DateTimeOffset Hour, string ScreenId, string PromotionId, long PromotionVersion, long Plays, long VisibleMs);

/// <summary>
/// Proof of play: reports are checked strictly (a malformed batch is refused whole, nothing stored), each play goes to
/// the durable outbox on its own stream (so plays made while the cloud is away reach it later), and hourly counts per
/// screen and promotion are kept in the gateway's database for 35 days.
/// </summary>
public sealed class ProofOfPlayStore(GatewayDatabase database, TimeProvider time, IServiceProvider services)
{
    /// <summary>Most plays in one report.</summary>
    public const int MaxPlaysPerReport = 100;

    /// <summary>Most SKUs or promotions in one play.</summary>
    public const int MaxItemsPerPlay = 200;

    /// <summary>How long hourly counts are kept.</summary>
    public static readonly TimeSpan Kept = TimeSpan.FromDays(35);

    /// <summary>The outbox stream of plays.</summary>
    public const string Stream = "proof-of-play";

    private const string Collection = "proof_of_play";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] Fields = ["playerId", "skus", "promotions", "start", "durationMs", "visibility", "contentVersion"];
    private DateTimeOffset _pruned;

    /// <summary>Reads a report (one play or an array of plays) for <paramref name="screenId"/>; throws <see cref="PromotionFormatException"/> naming the first bad field.</summary>
    public static IReadOnlyList<Play> Read(string screenId, JsonElement root)
    {
        ArgumentNullException.ThrowIfNull(screenId);
        if (root.ValueKind == JsonValueKind.Object)
        {
            return [ReadPlay(screenId, root, "$")];
        }

        if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() is 0 or > MaxPlaysPerReport)
        {
            throw new PromotionFormatException($"$: must be a play or an array of 1 to {MaxPlaysPerReport} plays");
        }

        var plays = new List<Play>();
        int i = 0;
        foreach (JsonElement e in root.EnumerateArray())
        {
            plays.Add(ReadPlay(screenId, e, $"$[{i++}]"));
        }

        return plays;
    }

    /// <summary>Stores the plays: into the outbox when there is one (awaited: durable before the answer), then into the hourly counts.</summary>
    public async Task StoreAsync(IReadOnlyList<Play> plays)
    {
        ArgumentNullException.ThrowIfNull(plays);
        if (services.GetService(typeof(DurableOutbox)) is DurableOutbox outbox)
        {
            await Task.WhenAll(plays.Select(p => outbox.EnqueueAsync(new OutboxEntry(Stream, "ProofOfPlay", CloudClasses.ProofOfPlay,
                System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(p, Json), Timestamp: p.Start))));
        }

        DateTimeOffset now = time.GetUtcNow();
        database.Run(db =>
        {
            ILiteCollection<BsonDocument> counts = db.GetCollection(Collection);
            foreach (Play p in plays)
            {
                DateTimeOffset hour = new(p.Start.UtcDateTime.Date.AddHours(p.Start.UtcDateTime.Hour), TimeSpan.Zero);
                long visible = p.Visibility == "visible" ? p.DurationMs : 0;
                foreach (PlayedPromotion promotion in p.Promotions.Distinct())
                {
                    string id = $"{hour:yyyy-MM-ddTHH}|{p.ScreenId}|{promotion.Id}|{promotion.Version}";
                    BsonDocument doc = counts.FindById(id) ?? new BsonDocument
                    {
                        ["_id"] = id, ["hour"] = hour.UtcDateTime, ["screen"] = p.ScreenId, ["promotion"] = promotion.Id, ["version"] = promotion.Version, ["plays"] = 0L, ["visibleMs"] = 0L,
                    };
                    doc["plays"] = doc["plays"].AsInt64 + 1;
                    doc["visibleMs"] = doc["visibleMs"].AsInt64 + visible;
                    counts.Upsert(doc);
                }
            }

            if (now - _pruned > TimeSpan.FromHours(1))
            {
                _pruned = now;
                counts.DeleteMany(Query.LT("hour", now.UtcDateTime - Kept));
            }
        });
    }

    /// <summary>The hourly counts whose hour starts within [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public IReadOnlyList<PlayCount> Counts(DateTimeOffset from, DateTimeOffset to) => database.Run(db =>
        (IReadOnlyList<PlayCount>)[.. db.GetCollection(Collection).Find(Query.And(Query.GTE("hour", from.UtcDateTime), Query.LT("hour", to.UtcDateTime)))
            .Select(d => new PlayCount(new DateTimeOffset(DateTime.SpecifyKind(d["hour"].AsDateTime.ToUniversalTime(), DateTimeKind.Utc)), d["screen"].AsString, d["promotion"].AsString,
                d["version"].AsInt64, d["plays"].AsInt64, d["visibleMs"].AsInt64))
            .OrderBy(c => c.Hour).ThenBy(c => c.ScreenId, StringComparer.Ordinal).ThenBy(c => c.PromotionId, StringComparer.Ordinal)]);

    private static Play ReadPlay(string screenId, JsonElement e, string path)
    {
        PromotionJson.RequireObject(e, path);
        foreach (JsonProperty property in e.EnumerateObject())
        {
            if (!Fields.Contains(property.Name))
            {
                throw new PromotionFormatException($"{path}.{property.Name}: is not a field of a play ({string.Join(", ", Fields)})");
            }
        }

        string player = PromotionJson.RequiredString(e, "playerId", path);
        if (!PlayerIds.IsValid(player))
        {
            throw new PromotionFormatException($"{path}.playerId: must be 1 to 64 letters, digits, '-' or '_'");
        }

        string[] skus = [.. Items(e, "skus", path).Select((s, i) => Key(s, $"{path}.skus[{i}]"))];
        PlayedPromotion[] promotions = [.. Items(e, "promotions", path).Select((p, i) =>
        {
            string at = $"{path}.promotions[{i}]";
            PromotionJson.RequireObject(p, at);
            return new PlayedPromotion(Key(PromotionJson.Required(p, "id", at), at + ".id"), PromotionJson.Whole(PromotionJson.Required(p, "version", at), at + ".version"));
        })];
        DateTimeOffset start = PromotionJson.ReadInstant(PromotionJson.Required(e, "start", path), path + ".start");
        long duration = PromotionJson.Whole(PromotionJson.Required(e, "durationMs", path), path + ".durationMs");
        if (duration > (long)TimeSpan.FromDays(1).TotalMilliseconds)
        {
            throw new PromotionFormatException($"{path}.durationMs: at most one day");
        }

        string visibility = PromotionJson.RequiredString(e, "visibility", path);
        if (visibility is not ("visible" or "hidden" or "prerender"))
        {
            throw new PromotionFormatException($"{path}.visibility: must be visible, hidden or prerender (document.visibilityState)");
        }

        long? version = e.TryGetProperty("contentVersion", out JsonElement v) && v.ValueKind != JsonValueKind.Null ? PromotionJson.Whole(v, path + ".contentVersion") : null;
        return new Play(screenId, player, skus, promotions, start, duration, visibility, version);
    }

    private static JsonElement.ArrayEnumerator Items(JsonElement e, string name, string path)
    {
        JsonElement array = PromotionJson.Required(e, name, path);
        if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() > MaxItemsPerPlay)
        {
            throw new PromotionFormatException($"{path}.{name}: must be an array of at most {MaxItemsPerPlay}");
        }

        return array.EnumerateArray();
    }

    private static string Key(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.String && e.GetString() is { Length: > 0 and <= StoreData.StoreDataItems.MaxKeyLength } s && !s.Any(char.IsControl)
            ? s
            : throw new PromotionFormatException($"{path}: must be a string of 1 to {StoreData.StoreDataItems.MaxKeyLength} characters with no control characters");
}

/// <summary>The ids players give themselves.</summary>
public static class PlayerIds
{
    /// <summary>1 to 64 letters, digits, <c>-</c> or <c>_</c>.</summary>
    public static bool IsValid(string? id) => id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
