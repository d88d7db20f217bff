using System.Buffers.Binary;

namespace Edge.Drivers.Bluetooth;

/// <summary>One advertising report, pointing into the HCI packet it came from (no copy).</summary>
/// <param name="EventType">Legacy: the event type (0-4). Extended: Event_Type masked to bits 0-6 (properties and data status).</param>
/// <param name="Extended">True for an LE Extended Advertising Report.</param>
/// <param name="AddressType">0 public, 1 random, 2 public identity, 3 random identity, 0xFF anonymous.</param>
/// <param name="Address">The 48-bit address in display order (most significant byte first when printed).</param>
/// <param name="Rssi">dBm; 127 means not available.</param>
/// <param name="DataOffset">Offset of the advertising data in the packet.</param>
/// <param name="DataLength">Length of the advertising data.</param>
/// <param name="DataStatus">Extended: 0 complete, 1 more to come, 2 truncated.</param>
/// <param name="TxPower">Extended: TX power (127 = not available).</param>
/// <param name="Sid">Extended: advertising set id (0xFF = none).</param>
public readonly record struct AdvertisingReport(byte EventType, bool Extended, byte AddressType, ulong Address, sbyte Rssi, int DataOffset, int DataLength, byte DataStatus = 0, sbyte TxPower = 127, byte Sid = 0xFF)
{
    /// <summary>RSSI value meaning "not available".</summary>
    public const sbyte RssiUnavailable = 127;

    /// <summary>The address type as text.</summary>
    public string AddressTypeName => AddressType switch
    {
        0 => "public",
        1 => "random",
        2 => "public-identity",
        3 => "random-identity",
        0xFF => "anonymous",
        _ => "unknown",
    };
}

/// <summary>What <see cref="HciEvents.ParseAdvertising"/> found.</summary>
public enum HciParseResult
{
    /// <summary>An LE advertising report event; the reports were filled in.</summary>
    Ok,

    /// <summary>A well-formed HCI event of another kind (command complete, other LE subevents…).</summary>
    OtherEvent,

    /// <summary>Not a valid HCI event packet; see the reason.</summary>
    Malformed,
}

/// <summary>
/// Parses HCI event packets as read from a raw HCI socket (<c>04 | code | plen | params</c>). LE Advertising Reports
/// (subevent 0x02) are read as the Linux kernel reads them: per-report records, interleaved, the RSSI after the data.
/// LE Extended Advertising Reports (0x0D) have their Event_Type masked to bits 0-6 (controllers put other data above).
/// Never throws; allocates nothing.
/// </summary>
public static class HciEvents
{
    /// <summary>H4 indicator of an event packet.</summary>
    public const byte EventPacket = 0x04;

    /// <summary>LE Meta event code.</summary>
    public const byte LeMeta = 0x3E;

    /// <summary>Command Complete event code.</summary>
    public const byte CommandComplete = 0x0E;

    /// <summary>Command Status event code.</summary>
    public const byte CommandStatus = 0x0F;

    /// <summary>Parses one packet into up to <c>reports.Length</c> reports.</summary>
    /// <param name="packet">The whole packet, starting with the 0x04 indicator.</param>
    /// <param name="reports">Where reports go.</param>
    /// <param name="count">How many were parsed.</param>
    /// <param name="reason">Why the packet is malformed (a constant string), or null.</param>
    public static HciParseResult ParseAdvertising(ReadOnlySpan<byte> packet, Span<AdvertisingReport> reports, out int count, out string? reason)
    {
        count = 0;
        reason = null;
        if (packet.Length < 3)
        {
            reason = "shorter than an HCI event header";
            return HciParseResult.Malformed;
        }

        if (packet[0] != EventPacket)
        {
            reason = "not an HCI event packet (first byte is not 0x04)";
            return HciParseResult.Malformed;
        }

        if (packet.Length != 3 + packet[2])
        {
            reason = "parameter length does not match the packet length";
            return HciParseResult.Malformed;
        }

        if (packet[1] != LeMeta || packet.Length < 4 || packet[3] is not (0x02 or 0x0D))
        {
            return HciParseResult.OtherEvent;
        }

        if (packet.Length < 5 || packet[4] == 0)
        {
            reason = "no reports";
            return HciParseResult.Malformed;
        }

        int reportsInPacket = packet[4];
        return packet[3] == 0x02
            ? ParseLegacy(packet, reportsInPacket, reports, ref count, ref reason)
            : ParseExtended(packet, reportsInPacket, reports, ref count, ref reason);
    }

    private static HciParseResult ParseLegacy(ReadOnlySpan<byte> p, int n, Span<AdvertisingReport> reports, ref int count, ref string? reason)
    {
        int off = 5;
        for (int r = 0; r < n; r++)
        {
            if (off + 9 >= p.Length)
            {
                reason = "report header overruns the packet";
                return Fail(ref count);
            }

            int length = p[off + 8];
            if (length > 31)
            {
                reason = "legacy advertising data longer than 31 bytes";
                return Fail(ref count);
            }

            if (off + 9 + length + 1 > p.Length)
            {
                reason = "advertising data overruns the packet";
                return Fail(ref count);
            }

            if (count < reports.Length)
            {
                reports[count++] = new AdvertisingReport(p[off], false, p[off + 1], Address(p.Slice(off + 2, 6)), (sbyte)p[off + 9 + length], off + 9, length);
            }

            off += 10 + length;
        }

        if (off != p.Length)
        {
            reason = "trailing bytes after the last report";
            return Fail(ref count);
        }

        return HciParseResult.Ok;
    }

    private static HciParseResult ParseExtended(ReadOnlySpan<byte> p, int n, Span<AdvertisingReport> reports, ref int count, ref string? reason)
    {
        int off = 5;
        for (int r = 0; r < n; r++)
        {
            if (off + 24 > p.Length)
            {
                reason = "extended report header overruns the packet";
                return Fail(ref count);
            }

            ushort eventType = BinaryPrimitives.ReadUInt16LittleEndian(p[off..]);
            int length = p[off + 23];
            if (off + 24 + length > p.Length)
            {
                reason = "advertising data overruns the packet";
                return Fail(ref count);
            }

            if (count < reports.Length)
            {
                reports[count++] = new AdvertisingReport(
                    (byte)(eventType & 0x7F),
                    true,
                    p[off + 2],
                    Address(p.Slice(off + 3, 6)),
                    (sbyte)p[off + 13],
                    off + 24,
                    length,
                    (byte)((eventType >> 5) & 3),
                    (sbyte)p[off + 12],
                    p[off + 11]);
            }

            off += 24 + length;
        }

        if (off != p.Length)
        {
            reason = "trailing bytes after the last report";
            return Fail(ref count);
        }

        return HciParseResult.Ok;
    }

    private static HciParseResult Fail(ref int count)
    {
        count = 0;
        return HciParseResult.Malformed;
    }

    // Wire order is little-endian; display order puts the last wire byte first.
    private static ulong Address(ReadOnlySpan<byte> six)
    {
        ulong a = 0;
        for (int i = 5; i >= 0; i--)
        {
            a = (a << 8) | six[i];
        }

        return a;
    }
}
