using System.Buffers.Binary;

namespace Edge.Drivers.Bluetooth;

/// <summary>One HCI event from a capture: the packet as the socket would deliver it (starting 0x04), when, and on which adapter.</summary>
public readonly record struct CapturedEvent(DateTimeOffset Timestamp, int Adapter, byte[] Packet);

/// <summary>
/// Reads btsnoop captures: datalink 2001 (the Linux monitor format <c>btmon -w</c> writes), 1002 (HCI UART/H4, as
/// Android's snoop log) and 1001 (unencapsulated HCI). Yields only HCI events, normalised to H4 (a leading 0x04),
/// so they can be fed to the same parser as the socket. A truncated last record ends the stream; anything that is
/// not a btsnoop file is refused with a clear error.
/// </summary>
public sealed class BtsnoopReader
{
    /// <summary>H4 datalink.</summary>
    public const uint H4 = 1002;

    /// <summary>Unencapsulated HCI datalink.</summary>
    public const uint Hci = 1001;

    /// <summary>Linux monitor datalink (btmon).</summary>
    public const uint Monitor = 2001;

    // Microseconds between 0000-01-01 and 1970-01-01 (the btsnoop epoch).
    internal const long EpochDeltaMicros = 0x00DCDDB30F2F8000;
    private static readonly byte[] Magic = "btsnoop\0"u8.ToArray();
    private readonly Stream _stream;
    private readonly byte[] _header = new byte[24];

    /// <summary>Reads the file header.</summary>
    /// <exception cref="InvalidDataException">Not a btsnoop file, or a datalink this reader does not know.</exception>
    public BtsnoopReader(Stream stream)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        Span<byte> h = stackalloc byte[16];
        if (_stream.ReadAtLeast(h, 16, throwOnEndOfStream: false) < 16 || !h[..8].SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a btsnoop file (no \"btsnoop\" header)");
        }

        uint version = BinaryPrimitives.ReadUInt32BigEndian(h[8..]);
        Datalink = BinaryPrimitives.ReadUInt32BigEndian(h[12..]);
        if (version != 1)
        {
            throw new InvalidDataException($"btsnoop version {version} is not supported (1 is)");
        }

        if (Datalink is not (H4 or Hci or Monitor))
        {
            throw new InvalidDataException($"btsnoop datalink {Datalink} is not supported (1001, 1002, 2001 are)");
        }
    }

    /// <summary>The capture's datalink type.</summary>
    public uint Datalink { get; }

    /// <summary>Records skipped because they are not HCI events (commands, ACL, monitor notes).</summary>
    public long Skipped { get; private set; }

    /// <summary>True when the file ended inside a record.</summary>
    public bool Truncated { get; private set; }

    /// <summary>Reads the next HCI event, or returns false at the end.</summary>
    public bool TryRead(out CapturedEvent captured)
    {
        captured = default;
        while (true)
        {
            int got = _stream.ReadAtLeast(_header, 24, throwOnEndOfStream: false);
            if (got < 24)
            {
                Truncated = got > 0;
                return false;
            }

            int included = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(4)), 65536);
            uint flags = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(8));
            long micros = BinaryPrimitives.ReadInt64BigEndian(_header.AsSpan(16));
            byte[] data = new byte[included];
            if (_stream.ReadAtLeast(data, included, throwOnEndOfStream: false) < included)
            {
                Truncated = true;
                return false;
            }

            byte[]? packet = Datalink switch
            {
                H4 => data.Length > 0 && data[0] == HciEvents.EventPacket ? data : null,
                Hci => (flags & 3) == 3 ? [HciEvents.EventPacket, .. data] : null,
                _ => (flags & 0xFFFF) == 3 ? [HciEvents.EventPacket, .. data] : null, // monitor opcode 3 = event
            };
            if (packet is null)
            {
                Skipped++;
                continue;
            }

            DateTimeOffset when = DateTimeOffset.UnixEpoch.AddTicks((micros - EpochDeltaMicros) * 10);
            captured = new CapturedEvent(when, Datalink == Monitor ? (int)(flags >> 16) : 0, packet);
            return true;
        }
    }
}

/// <summary>
/// Writes received HCI events as a btsnoop capture (readable by Wireshark, btmon -r and <see cref="BtsnoopReader"/>):
/// H4 for one adapter, or the Linux monitor format, which records each event's adapter index.
/// </summary>
public sealed class BtsnoopWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _monitor;
    private readonly byte[] _header = new byte[24];

    /// <summary>Writes the file header.</summary>
    /// <param name="stream">Destination.</param>
    /// <param name="monitor">Monitor format (datalink 2001, several adapters) instead of H4 (1002).</param>
    public BtsnoopWriter(Stream stream, bool monitor = false)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _monitor = monitor;
        Span<byte> h = stackalloc byte[16];
        "btsnoop\0"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt32BigEndian(h[8..], 1);
        BinaryPrimitives.WriteUInt32BigEndian(h[12..], monitor ? BtsnoopReader.Monitor : BtsnoopReader.H4);
        _stream.Write(h);
    }

    /// <summary>Appends a received HCI event (with its H4 indicator 0x04) seen on <paramref name="adapter"/>.</summary>
    public void Write(DateTimeOffset timestamp, ReadOnlySpan<byte> h4Packet, int adapter = 0)
    {
        // The monitor format stores the event without the H4 indicator; its flags carry adapter index and opcode 3.
        ReadOnlySpan<byte> body = _monitor ? h4Packet[1..] : h4Packet;
        uint flags = _monitor ? ((uint)adapter << 16) | 3u : 1u;
        BinaryPrimitives.WriteUInt32BigEndian(_header, (uint)body.Length);
        BinaryPrimitives.WriteUInt32BigEndian(_header.AsSpan(4), (uint)body.Length);
        BinaryPrimitives.WriteUInt32BigEndian(_header.AsSpan(8), flags);
        BinaryPrimitives.WriteUInt32BigEndian(_header.AsSpan(12), 0);
        BinaryPrimitives.WriteInt64BigEndian(_header.AsSpan(16), ((timestamp - DateTimeOffset.UnixEpoch).Ticks / 10) + BtsnoopReader.EpochDeltaMicros);
        _stream.Write(_header);
        _stream.Write(body);
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Flush();
}
