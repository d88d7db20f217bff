using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Edge.Drivers.Bluetooth;

/// <summary>
/// Eddystone-EID computation and resolution (google/eddystone eid-computation.md): temporary key =
/// AES-128(IK, 00×11 ‖ FF ‖ 00 00 ‖ TS[31:16]); EID = first 8 bytes of AES-128(temporary key, 00×11 ‖ K ‖ TS with its K
/// low bits cleared). Only parties holding the identity key can link successive EIDs to one device.
/// </summary>
public static class EddystoneEid
{
    /// <summary>The 8-byte EID a beacon with identity key <paramref name="identityKey"/> and rotation exponent <paramref name="exponent"/> shows at beacon time <paramref name="beaconSeconds"/>.</summary>
    public static byte[] Compute(ReadOnlySpan<byte> identityKey, byte exponent, uint beaconSeconds)
    {
        if (identityKey.Length != 16)
        {
            throw new ArgumentException("An Eddystone identity key is 16 bytes.", nameof(identityKey));
        }

        if (exponent > 15)
        {
            throw new ArgumentOutOfRangeException(nameof(exponent), "The rotation exponent K is 0 to 15.");
        }

        Span<byte> block = stackalloc byte[16];
        block.Clear();
        block[11] = 0xFF;
        BinaryPrimitives.WriteUInt16BigEndian(block[14..], (ushort)(beaconSeconds >> 16));
        byte[] temporaryKey = Encrypt(identityKey, block);

        block.Clear();
        block[11] = exponent;
        BinaryPrimitives.WriteUInt32BigEndian(block[12..], beaconSeconds & ~((1u << exponent) - 1));
        return Encrypt(temporaryKey, block)[..8];
    }

    private static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> block)
    {
        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        return aes.EncryptEcb(block, PaddingMode.None);
    }
}

/// <summary>
/// Resolves EIDs of registered identity keys: for each key it precomputes the EIDs of the current rotation period and
/// its neighbours (clock drift), so a lookup is a dictionary hit, not AES work per advertisement.
/// </summary>
public sealed class EidResolver
{
    private readonly List<(string Name, byte[] Key, byte Exponent, long ClockOffset)> _keys = [];
    private Dictionary<ulong, string> _table = [];
    private long _builtForPeriodStart = -1;

    /// <summary>Registers an identity key; <paramref name="clockOffsetSeconds"/> maps wall time to the beacon's clock.</summary>
    public void Register(string name, byte[] identityKey, byte exponent, long clockOffsetSeconds)
    {
        ArgumentNullException.ThrowIfNull(identityKey);
        _ = EddystoneEid.Compute(identityKey, exponent, 0); // validates
        _keys.Add((name, identityKey, exponent, clockOffsetSeconds));
        _builtForPeriodStart = -1;
    }

    /// <summary>The registered name behind an EID seen at <paramref name="unixSeconds"/>, or null.</summary>
    public string? Resolve(ReadOnlySpan<byte> eid, long unixSeconds)
    {
        if (eid.Length != 8 || _keys.Count == 0)
        {
            return null;
        }

        // Rebuild once a minute at most; each key contributes its previous, current and next EID.
        long minute = unixSeconds / 60;
        if (minute != _builtForPeriodStart)
        {
            var table = new Dictionary<ulong, string>();
            foreach ((string name, byte[] key, byte k, long offset) in _keys)
            {
                long beaconTime = unixSeconds - offset;
                long period = 1L << k;
                for (int step = -1; step <= 1; step++)
                {
                    long t = beaconTime + (step * period);
                    if (t is >= 0 and <= uint.MaxValue)
                    {
                        table[BinaryPrimitives.ReadUInt64BigEndian(EddystoneEid.Compute(key, k, (uint)t))] = name;
                    }
                }
            }

            _table = table;
            _builtForPeriodStart = minute;
        }

        return _table.GetValueOrDefault(BinaryPrimitives.ReadUInt64BigEndian(eid));
    }
}
