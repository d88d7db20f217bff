using System.Buffers.Binary;

namespace Edge.Drivers.Bluetooth;

/// <summary>
/// Strict, allocation-free decoding of advertising data (a sequence of length-type-value AD structures) into
/// beacon frames. Malformed input never throws: an AD structure of length 0 ends the walk (padding), one that
/// overruns the data ends it too, and a structure that does not match a frame layout exactly is skipped.
/// </summary>
public static class BeaconDecoder
{
    private const byte ManufacturerData = 0xFF;
    private const byte ServiceData16 = 0x16;

    /// <summary>Decodes up to <c>frames.Length</c> frames, in order of appearance; returns how many.</summary>
    public static int Decode(ReadOnlySpan<byte> data, Span<BeaconFrame> frames)
    {
        int count = 0;
        int i = 0;
        while (i < data.Length && count < frames.Length)
        {
            int length = data[i];
            if (length == 0 || i + 1 + length > data.Length)
            {
                break; // padding, or a structure that overruns the data: keep what was found
            }

            byte type = data[i + 1];
            int valueOffset = i + 2;
            ReadOnlySpan<byte> value = data.Slice(valueOffset, length - 1);
            if (TryDecode(type, value, valueOffset, out BeaconFrame frame))
            {
                frames[count++] = frame;
            }

            i += 1 + length;
        }

        return count;
    }

    private static bool TryDecode(byte type, ReadOnlySpan<byte> v, int at, out BeaconFrame frame)
    {
        frame = default;
        if (type == ManufacturerData)
        {
            // iBeacon: 4C 00 02 15 | UUID(16) | major BE16 | minor BE16 | measured power int8 (exactly 25 bytes).
            if (v.Length == 25 && v[0] == 0x4C && v[1] == 0x00 && v[2] == 0x02 && v[3] == 0x15)
            {
                frame = new BeaconFrame(BeaconKind.IBeacon, at + 4, 16, (sbyte)v[24], BinaryPrimitives.ReadUInt16BigEndian(v[20..]), BinaryPrimitives.ReadUInt16BigEndian(v[22..]));
                return true;
            }

            // AltBeacon: mfg id LE16 | BE AC | beacon id (20) | reference RSSI int8 | reserved (1; some senders omit it).
            if (v.Length is 26 or 25 && v[2] == 0xBE && v[3] == 0xAC)
            {
                frame = new BeaconFrame(BeaconKind.AltBeacon, at + 4, 20, (sbyte)v[24], BinaryPrimitives.ReadUInt16LittleEndian(v), 0, v.Length == 26 ? v[25] : (byte)0);
                return true;
            }

            return false;
        }

        if (type != ServiceData16 || v.Length < 3 || v[0] != 0xAA || v[1] != 0xFE)
        {
            return false;
        }

        // Eddystone: the frame type is the high nibble; the low nibble must be 0 (vendor frames such as 0x21 are not TLM).
        byte frameType = v[2];
        ReadOnlySpan<byte> f = v[3..];
        switch (frameType)
        {
            case 0x00 when f.Length is 17 or 19: // tx, namespace(10), instance(6) [, RFU(2), which some senders truncate]
                frame = new BeaconFrame(BeaconKind.EddystoneUid, at + 4, 16, (sbyte)f[0]);
                return true;

            case 0x10 when f.Length is >= 3 and <= 19 && f[1] <= 3 && IsUrlEncodable(f[2..]):
                frame = new BeaconFrame(BeaconKind.EddystoneUrl, at + 5, f.Length - 2, (sbyte)f[0], Extra: f[1]);
                return true;

            case 0x20 when f.Length == 13 && f[0] == 0x00: // version 0: VBATT, TEMP, ADV_CNT, SEC_CNT, all big-endian
                frame = new BeaconFrame(BeaconKind.EddystoneTlm, 0, 0, 0,
                    BatteryMv: BinaryPrimitives.ReadUInt16BigEndian(f[1..]),
                    TemperatureRaw: BinaryPrimitives.ReadInt16BigEndian(f[3..]),
                    Count: BinaryPrimitives.ReadUInt32BigEndian(f[5..]),
                    Uptime: BinaryPrimitives.ReadUInt32BigEndian(f[9..]));
                return true;

            case 0x20 when f.Length == 17 && f[0] == 0x01: // version 1: ETLM(12), SALT BE16, MIC BE16
                frame = new BeaconFrame(BeaconKind.EddystoneEtlm, at + 4, 12, 0,
                    Salt: BinaryPrimitives.ReadUInt16BigEndian(f[13..]),
                    Mic: BinaryPrimitives.ReadUInt16BigEndian(f[15..]));
                return true;

            case 0x30 when f.Length == 9:
                frame = new BeaconFrame(BeaconKind.EddystoneEid, at + 4, 8, (sbyte)f[0]);
                return true;

            default:
                return false;
        }
    }

    // Encoded URL bytes: expansion codes 0x00-0x0D or printable ASCII 0x21-0x7E; anything else is not a URL frame.
    private static bool IsUrlEncodable(ReadOnlySpan<byte> encoded)
    {
        foreach (byte b in encoded)
        {
            if (b > 0x0D && (b < 0x21 || b > 0x7E))
            {
                return false;
            }
        }

        return true;
    }
}
