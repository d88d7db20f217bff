using System.Text.Json;
using Edge.Cloud.Outbox;
using Edge.Gateway.Cloud;

namespace Edge.Gateway.StoreData;

/// <summary>The one place store data's messages to the cloud are made.</summary>
public static class StoreDataCloudMessages
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// <c>SnapshotRequested</c> (stream <c>store-data</c>, an alert so that it goes first): the kind, and the version the
    /// gateway has (null when it has none). The cloud answers with a full snapshot of that kind.
    /// </summary>
    public static OutboxEntry SnapshotRequested(string kind, long? version, string reason) =>
        new("store-data", "SnapshotRequested", CloudClasses.Alert, JsonSerializer.SerializeToUtf8Bytes(new { kind, version, reason }, Json),
            CoalesceKey: "snapshot:" + kind);
}
