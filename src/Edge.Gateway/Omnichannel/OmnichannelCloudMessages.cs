using System.Text.Json;
using Edge.Cloud.Outbox;
using Edge.Gateway.Cloud;

namespace Edge.Gateway.Omnichannel;

/// <summary>The one place omnichannel events become cloud messages.</summary>
public static class OmnichannelCloudMessages
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// <c>Availability</c> (stream <c>availability</c>): a SKU's figures for "in stock at this store"; a newer one for
    /// the same SKU replaces one still waiting in the outbox, so only the latest per SKU waits.
    /// <c>ClockImplausible</c> / <c>ClockRecovered</c> (stream <c>gateway-alerts</c>).
    /// </summary>
    public static OutboxEntry Of(OmnichannelEvent e) => e switch
    {
        AvailabilityChanged a => new OutboxEntry("availability", "Availability", CloudClasses.Telemetry, JsonSerializer.SerializeToUtf8Bytes(new
        {
            sku = a.Availability.Sku,
            inStore = a.Availability.InStore,
            shelfUnits = a.Availability.ShelfUnits,
            reserved = a.Availability.Reserved,
            online = a.Availability.Online,
            onlineStale = a.Availability.OnlineStale,
            timestamp = a.Timestamp,
        }, Json), CoalesceKey: "availability:" + a.Availability.Sku, Timestamp: a.Timestamp, SupersedeWaiting: true),
        ClockChanged c => new OutboxEntry("gateway-alerts", c.Reason is null ? "ClockRecovered" : "ClockImplausible", CloudClasses.Alert,
            JsonSerializer.SerializeToUtf8Bytes(new { reason = c.Reason, timestamp = c.Timestamp }, Json), Timestamp: c.Timestamp),
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "no cloud message for this event"),
    };
}
