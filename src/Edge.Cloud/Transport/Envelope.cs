using System.Buffers;
using System.Text.Json;
using Edge.Cloud.Outbox;

namespace Edge.Cloud.Transport;

/// <summary>
/// The JSON every uplink message travels in: <c>{"messageId","stream","epoch","seq","type","timestamp","event":{…}}</c>.
/// Receivers deduplicate by <c>messageId</c> and detect gaps per <c>stream</c> by <c>seq</c>, which is gap-free within
/// one <c>epoch</c> (a new epoch, after the outbox file was lost, numbers from 1 again).
/// </summary>
public static class Envelope
{
    /// <summary>Wraps an outbox message.</summary>
    public static byte[] Wrap(OutboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var buffer = new ArrayBufferWriter<byte>(message.Payload.Length + 200);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("messageId", message.MessageId);
            w.WriteString("stream", message.Stream);
            w.WriteString("epoch", message.Epoch);
            w.WriteNumber("seq", message.Seq);
            w.WriteString("type", message.Type);
            w.WriteString("timestamp", message.Timestamp);
            w.WritePropertyName("event");
            w.WriteRawValue(message.Payload);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
