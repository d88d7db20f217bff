using System.Text.Json.Nodes;
using System.Text.Json;
using Edge.Cloud.Outbox;
using Edge.Gateway.Cloud;

namespace Edge.Gateway.Shelves;

/// <summary>
/// The one place where the shelves' domain becomes cloud messages: journaled events (sensor events are alerts,
/// everything else stock, each with its deterministic id) and stock-level telemetry.
/// </summary>
public static class ShelfCloudMessages
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The outbox entry of a journaled event: id <c>{gatewayId}:shelf:{epoch}:{seq}</c>, source <paramref name="source"/> at its seq.</summary>
    public static OutboxEntry Of(JournalEntry entry, string gatewayId, string source)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ShelfEvent e = entry.Event;
        bool alert = e.Type is ShelfEventType.SensorFault or ShelfEventType.SensorRecovered;
        var payload = (JsonObject)JsonSerializer.SerializeToNode(e, Json)!;
        if (entry.Epoch is { } epoch)
        {
            payload["epoch"] = epoch;
        }

        return new OutboxEntry(
            alert ? "alerts" : "shelf",
            e.Type.ToString(),
            alert ? CloudClasses.Alert : CloudClasses.Stock,
            JsonSerializer.SerializeToUtf8Bytes(payload, Json),
            Timestamp: e.Timestamp,
            MessageId: entry.Epoch is null ? $"{gatewayId}:shelf:{e.Seq}" : $"{gatewayId}:shelf:{entry.Epoch}:{e.Seq}",
            Source: source,
            Position: e.Seq);
    }

    /// <summary>A shelf's current level as <c>StockLevel</c> telemetry; superseded levels of one shelf coalesce over budget.</summary>
    public static OutboxEntry StockLevel(SlotPipeline p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new OutboxEntry(
            "stock-levels",
            "StockLevel",
            CloudClasses.Telemetry,
            JsonSerializer.SerializeToUtf8Bytes(new { shelfId = p.Slot.ShelfId, sku = p.Slot.Sku, count = p.HasCount ? p.Count : (int?)null, status = p.Status.ToString().ToLowerInvariant() }, Json),
            CoalesceKey: "level:" + p.Slot.ShelfId);
    }
}
