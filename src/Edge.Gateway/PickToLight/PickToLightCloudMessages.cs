using System.Text.Json;
using Edge.Cloud.Outbox;
using Edge.Gateway.Cloud;

namespace Edge.Gateway.PickToLight;

/// <summary>Domain event: the weight confirmed that a reservation line was picked (published once it is stored as picked).</summary>
/// <param name="Line">The line, the shelf it came off and when.</param>
public sealed record ReservationPicked(PickedLine Line);

/// <summary>The one place pick-to-light events become cloud messages.</summary>
public static class PickToLightCloudMessages
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// <c>ReservationPicked</c> (stream <c>reservations</c>, the stock class: never coalesced, the last dropped):
    /// <c>orderId</c>, <c>sku</c>, <c>quantity</c>, <c>shelfId</c>, <c>timestamp</c>. Its message id,
    /// <c>{gatewayId}:picked:{orderId}:{sku}</c>, is the same every time the line is reported (again after a restart
    /// or a resync), so the cloud takes one pick per line.
    /// </summary>
    public static OutboxEntry Of(ReservationPicked e, string gatewayId)
    {
        ArgumentNullException.ThrowIfNull(e);
        PickedLine l = e.Line;
        return new OutboxEntry("reservations", "ReservationPicked", CloudClasses.Stock, JsonSerializer.SerializeToUtf8Bytes(new
        {
            orderId = l.OrderId,
            sku = l.Sku,
            quantity = l.Quantity,
            shelfId = l.ShelfId,
            timestamp = l.PickedAt,
        }, Json), Timestamp: l.PickedAt, MessageId: $"{gatewayId}:picked:{l.OrderId}:{l.Sku}");
    }
}
