using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Edge.Drivers.Bluetooth;

namespace Edge.Gateway.Beacons;

/// <summary>
/// A shopper's daily pseudonym: HMAC(daily salt, identity), the salt HMAC(secret, UTC date), so names rotate at
/// midnight UTC and cannot be linked across days without the gateway's secret. The identity is the app's token
/// (<c>ib:{major:x4}{minor:x4}</c>, or <c>eid:{key name}</c> once an EID is resolved), never an address.
/// </summary>
public static class ShopperNames
{
    /// <summary>The salt of <paramref name="day"/>.</summary>
    public static byte[] Salt(byte[] secret, DateOnly day) =>
        HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));

    /// <summary>The identity of an app advertising the retailer's iBeacon UUID: its token, the major and minor.</summary>
    public static string IBeacon(ushort major, ushort minor) => $"ib:{major:x4}{minor:x4}";

    /// <summary>The identity of an app whose Eddystone-EID resolved to the registered key <paramref name="key"/>.</summary>
    public static string Eid(string key) => "eid:" + key;

    /// <summary>The pseudonym of <paramref name="identity"/> under <paramref name="salt"/>.</summary>
    public static string Name(byte[] salt, string identity) =>
        "s-" + Convert.ToHexStringLower(HMACSHA256.HashData(salt, Encoding.UTF8.GetBytes(identity)).AsSpan(0, 8));
}

/// <summary>
/// Turns the token an app advertises (as it sends it to the gateway's API) into its pseudonym of the day and audience,
/// by the same rules as the tracker: 8 hex digits are an iBeacon major and minor, 16 hex digits an Eddystone EID.
/// Every well-formed token costs the same work, known or not.
/// </summary>
public sealed class ShopperTokens
{
    private readonly BeaconOptions _options;
    private readonly byte[] _secret;
    private readonly EidResolver _eids = new();
    private readonly Lock _lock = new();

    /// <summary>Creates the reader over the beacon settings and the gateway's secret.</summary>
    public ShopperTokens(BeaconOptions options, byte[] secret)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _secret = secret ?? throw new ArgumentNullException(nameof(secret));
        foreach (EidKeyOptions k in options.ShopperEidKeys)
        {
            _eids.Register(k.Name, Convert.FromHexString(k.IdentityKey), k.Exponent, k.ClockEpochUnixSeconds);
        }
    }

    /// <summary>The pseudonym and audience of <paramref name="token"/> at <paramref name="now"/>; null when the token is malformed.</summary>
    public (string Name, string? Audience)? Read(string? token, DateTimeOffset now)
    {
        if (token is not ({ Length: 8 } or { Length: 16 }) || !token.All(char.IsAsciiHexDigit))
        {
            return null;
        }

        byte[] salt = ShopperNames.Salt(_secret, DateOnly.FromDateTime(now.UtcDateTime));
        byte[] raw = Convert.FromHexString(token);
        if (raw.Length == 4)
        {
            ushort major = (ushort)((raw[0] << 8) | raw[1]);
            ushort minor = (ushort)((raw[2] << 8) | raw[3]);
            return (ShopperNames.Name(salt, ShopperNames.IBeacon(major, minor)), _options.AudienceOf(major));
        }

        string? key;
        lock (_lock)
        {
            key = _eids.Resolve(raw, now.ToUnixTimeSeconds());
        }

        // An EID no key resolves is named all the same (and so has no offers): its answer looks like any other's.
        string identity = key is null ? "eid-unknown:" + token.ToLowerInvariant() : ShopperNames.Eid(key);
        return (ShopperNames.Name(salt, identity), key is null ? null : _options.ShopperEidKeys.First(k => k.Name == key).Audience);
    }
}
