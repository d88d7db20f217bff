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
    /// <remarks>
    /// The payload goes in as it is, not parsed again: <see cref="DurableOutbox"/> refuses a payload that is not one
    /// JSON value in valid UTF-8 before it is stored, and a drain wraps every message (parsing it again was 0.5 µs of
    /// the 0.8 µs a wrap cost). A message built by hand must hold JSON for the same reason.
    /// </remarks>
    public static byte[] Wrap(OutboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var buffer = new ArrayBufferWriter<byte>(message.Payload.Length + 200);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            w.WriteStartObject();
            w.WriteString("messageId", message.MessageId);
            w.WriteString("stream", message.Stream);
            w.WriteString("epoch", message.Epoch);
            w.WriteNumber("seq", message.Seq);
            w.WriteString("type", message.Type);
            w.WriteString("timestamp", message.Timestamp);
            w.WritePropertyName("event");
            w.WriteRawValue(message.Payload, skipInputValidation: true);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
