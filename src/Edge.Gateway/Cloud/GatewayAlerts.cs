using System.Text.Json;
using Edge.Cloud.Outbox;

namespace Edge.Gateway.Cloud;

/// <summary>The gateway's own alerts about its cloud link, in one place (stream <c>gateway-alerts</c>).</summary>
public static class GatewayAlerts
{
    /// <summary>Message type of a dead-letter alert.</summary>
    public const string DeadLetteredType = "MessageDeadLettered";

    private const string Stream = "gateway-alerts";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The outbox was lost; what was lost and what is sent again.</summary>
    public static OutboxEntry OutboxLost(OutboxLoss loss) =>
        new(Stream, "OutboxLost", CloudClasses.Alert, JsonSerializer.SerializeToUtf8Bytes(loss, Json));

    /// <summary>The cloud refused a message for good; it is kept in the outbox file (not its body here: it may be what was too large).</summary>
    public static OutboxEntry DeadLettered(OutboxMessage message, string reason)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(Stream, DeadLetteredType, CloudClasses.Alert, JsonSerializer.SerializeToUtf8Bytes(new
        {
            messageId = message.MessageId,
            stream = message.Stream,
            seq = message.Seq,
            type = message.Type,
            bytes = message.Payload.Length,
            reason,
        }, Json));
    }
}
