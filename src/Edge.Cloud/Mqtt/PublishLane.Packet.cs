using System.Buffers.Binary;
using System.Text;

namespace Edge.Cloud.Mqtt;

// The PUBLISH packets of the lane: checked, sized and encoded straight into the channel's buffer.
public sealed partial class PublishLane
{
    private Packet Compose(string topic, ReadOnlyMemory<byte> payload, bool retain, string? contentType)
    {
        if (string.IsNullOrEmpty(topic) || topic.AsSpan().IndexOfAny('+', '#', '\0') >= 0)
        {
            throw new Transport.PermanentlyRefusedException($"'{topic}' is not a topic a message can be published to");
        }

        // A drain sends one event type after another, all with one content type: not encoded again each message.
        byte[] topicBytes = _topic.Encode(topic);
        byte[] type = _v5 && contentType is not null ? _contentType.Encode(contentType) : NoContentType;
        if (topicBytes.Length > ushort.MaxValue || type.Length > ushort.MaxValue)
        {
            throw new Transport.PermanentlyRefusedException("the topic or the content type is longer than MQTT's 65,535 bytes");
        }

        int properties = type.Length > 0 ? 3 + type.Length : 0;
        long remaining = 2 + topicBytes.Length + 2 + (_v5 ? VarIntSize(properties) + properties : 0) + (long)payload.Length;
        if (remaining > 268_435_455)
        {
            throw new Transport.PermanentlyRefusedException($"a {payload.Length:N0}-byte payload is larger than an MQTT packet can be");
        }

        return new Packet(retain, topicBytes, type, _v5, properties, (int)remaining, payload);
    }

    private static int VarIntSize(int value) => value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;

    private static int WriteVarInt(Span<byte> span, int value)
    {
        int n = 0;
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            span[n++] = value > 0 ? (byte)(b | 0x80) : b;
        }
        while (value > 0);
        return n;
    }

    // The UTF-8 of the last string encoded, kept as one object so that a publish on another thread never pairs one
    // string's text with another's bytes.
    private sealed class LastUtf8
    {
        private Tuple<string, byte[]>? _last;

        public byte[] Encode(string text)
        {
            if (Volatile.Read(ref _last) is { } last && last.Item1 == text)
            {
                return last.Item2;
            }

            byte[] bytes = Encoding.UTF8.GetBytes(text);
            Volatile.Write(ref _last, Tuple.Create(text, bytes));
            return bytes;
        }
    }

    // One PUBLISH, QoS 1 (MQTT 3.1.1 section 3.3; MQTT 5 section 3.3 with the Content Type property, 0x03).
    private sealed class Packet(bool retain, byte[] topic, byte[] contentType, bool v5, int properties, int remaining, ReadOnlyMemory<byte> payload)
    {
        public ushort Id { get; set; }

        public int Length { get; } = 1 + VarIntSize(remaining) + remaining;

        public void WriteTo(Span<byte> span)
        {
            span[0] = (byte)(0x32 | (retain ? 1 : 0));
            int at = 1 + WriteVarInt(span[1..], remaining);
            BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)topic.Length);
            topic.CopyTo(span[(at + 2)..]);
            at += 2 + topic.Length;
            BinaryPrimitives.WriteUInt16BigEndian(span[at..], Id);
            at += 2;
            if (v5)
            {
                at += WriteVarInt(span[at..], properties);
                if (contentType.Length > 0)
                {
                    span[at] = 0x03;
                    BinaryPrimitives.WriteUInt16BigEndian(span[(at + 1)..], (ushort)contentType.Length);
                    contentType.CopyTo(span[(at + 3)..]);
                    at += 3 + contentType.Length;
                }
            }

            payload.Span.CopyTo(span[at..]);
        }
    }
}
