using LiteDB;

namespace Edge.Gateway.Storage;

/// <summary>The desired configuration last applied, with its version, so a restart re-applies it.</summary>
public sealed class DesiredConfigStore
{
    private const string Id = "desiredConfig";
    private readonly ILiteCollection<BsonDocument> _meta;

    /// <summary>Binds to the gateway database and reads the applied version.</summary>
    public DesiredConfigStore(GatewayDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _meta = database.Db.GetCollection("meta");
        AppliedVersion = Load()?.Version ?? 0;
    }

    /// <summary>Version of the configuration in force (0 when none was received).</summary>
    public long AppliedVersion { get; private set; }

    /// <summary>Stores an applied configuration.</summary>
    public void Save(long version, string json)
    {
        _meta.Upsert(new BsonDocument { ["_id"] = Id, ["version"] = version, ["json"] = json });
        AppliedVersion = version;
    }

    /// <summary>The stored configuration, if any.</summary>
    public (long Version, string Json)? Load()
    {
        BsonDocument? d = _meta.FindById(Id);
        return d is null ? null : (d["version"].AsInt64, d["json"].AsString);
    }

    /// <summary>Forgets the applied version in memory (used to re-apply at start).</summary>
    internal void Reset() => AppliedVersion = 0;
}
