using System.Text.Json.Nodes;
using Edge.Gateway.Hosting;
using LiteDB;

namespace Edge.Gateway.Cloud;

/// <summary>
/// The live settings in force, so a restart re-applies them: the cloud's desired configuration with the cloud's
/// <c>$version</c>, and the settings changed locally since (by <c>set-config</c>) with a version of their own. The
/// two versions never mix, so a local change cannot make the cloud's next version look old.
/// </summary>
public sealed class LiveSettingsRepository
{
    private const string DesiredId = "desiredConfig";
    private const string LocalId = "localConfig";
    private readonly GatewayDatabase _database;

    /// <summary>Binds to the gateway database and reads both versions.</summary>
    public LiveSettingsRepository(GatewayDatabase database)
    {
        _database = database ?? throw new ArgumentNullException(nameof(database));
        (DesiredVersion, LocalVersion) = database.Run(db =>
        {
            ILiteCollection<BsonDocument> meta = db.GetCollection("meta");
            return (meta.FindById(DesiredId)?["version"].AsInt64 ?? 0, meta.FindById(LocalId)?["version"].AsInt64 ?? 0);
        });
    }

    /// <summary>Version of the desired configuration in force (0 when none was received).</summary>
    public long DesiredVersion { get; private set; }

    /// <summary>Number of local changes made (0 when none).</summary>
    public long LocalVersion { get; private set; }

    /// <summary>Stores an applied desired configuration; local changes of the settings it names are superseded.</summary>
    public void SaveDesired(long version, string json, IReadOnlyCollection<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _database.Run(db =>
        {
            ILiteCollection<BsonDocument> meta = db.GetCollection("meta");
            JsonObject local = LoadLocal(meta);
            db.BeginTrans();
            try
            {
                meta.Upsert(new BsonDocument { ["_id"] = DesiredId, ["version"] = version, ["json"] = json });
                if (keys.Any(local.ContainsKey))
                {
                    foreach (string key in keys)
                    {
                        local.Remove(key);
                    }

                    meta.Upsert(new BsonDocument { ["_id"] = LocalId, ["version"] = LocalVersion, ["json"] = local.ToJsonString() });
                }

                db.Commit();
            }
            catch
            {
                db.Rollback();
                throw;
            }
        });
        DesiredVersion = version;
    }

    /// <summary>Stores one local change (a flattened key such as <c>pump.ratePerSecond</c>) and returns the new local version.</summary>
    public long SaveLocal(string key, JsonNode? value)
    {
        long version = LocalVersion + 1;
        _database.Run(db =>
        {
            ILiteCollection<BsonDocument> meta = db.GetCollection("meta");
            JsonObject local = LoadLocal(meta);
            local[key] = value?.DeepClone();
            meta.Upsert(new BsonDocument { ["_id"] = LocalId, ["version"] = version, ["json"] = local.ToJsonString() });
        });
        LocalVersion = version;
        return version;
    }

    /// <summary>The stored desired configuration and the local changes (flattened key to value), for re-applying at start.</summary>
    public (string? DesiredJson, JsonObject Local) Load() => _database.Run(db =>
    {
        ILiteCollection<BsonDocument> meta = db.GetCollection("meta");
        return (meta.FindById(DesiredId)?["json"].AsString, LoadLocal(meta));
    });

    private static JsonObject LoadLocal(ILiteCollection<BsonDocument> meta) =>
        meta.FindById(LocalId)?["json"].AsString is { } json && JsonNode.Parse(json) is JsonObject local ? local : [];
}
