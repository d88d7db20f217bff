using System.Text;

namespace Edge.Drivers.Bluetooth;

/// <summary>Text forms of beacon fields, for output and logs (they allocate; the decoder does not).</summary>
public static class BeaconText
{
    private static readonly string[] Schemes = ["http://www.", "https://www.", "http://", "https://"];
    private static readonly string[] Expansions = [".com/", ".org/", ".edu/", ".net/", ".info/", ".biz/", ".gov/", ".com", ".org", ".edu", ".net", ".info", ".biz", ".gov"];

    /// <summary>Lower-case hex.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>An iBeacon UUID as 8-4-4-4-12 lower case.</summary>
    public static string Uuid(ReadOnlySpan<byte> sixteen)
    {
        string h = Hex(sixteen);
        return $"{h[..8]}-{h[8..12]}-{h[12..16]}-{h[16..20]}-{h[20..]}";
    }

    /// <summary>Expands an Eddystone-URL frame (scheme byte and encoded bytes).</summary>
    public static string Url(byte scheme, ReadOnlySpan<byte> encoded)
    {
        var sb = new StringBuilder(Schemes[scheme]);
        foreach (byte b in encoded)
        {
            sb.Append(b <= 0x0D ? Expansions[b] : ((char)b).ToString());
        }

        return sb.ToString();
    }

    /// <summary>A device address as aa:bb:cc:dd:ee:ff (the wire order is little-endian; this is display order).</summary>
    public static string Address(ulong address)
    {
        Span<char> s = stackalloc char[17];
        for (int i = 0; i < 6; i++)
        {
            byte b = (byte)(address >> (8 * (5 - i)));
            s[i * 3] = "0123456789abcdef"[b >> 4];
            s[(i * 3) + 1] = "0123456789abcdef"[b & 0xF];
            if (i < 5)
            {
                s[(i * 3) + 2] = ':';
            }
        }

        return new string(s);
    }
}
