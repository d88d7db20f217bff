using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Edge.Cloud.IotHub;

/// <summary>
/// Shared access signatures for IoT Hub and DPS: <c>SharedAccessSignature sr={enc(resource)}&amp;sig={enc(sig)}&amp;se={expiry}[&amp;skn={policy}]</c>,
/// where sig = base64(HMAC-SHA256(base64-decoded key, enc(resource) + "\n" + expiry)) and enc is RFC 3986
/// percent-encoding (<c>Uri.EscapeDataString</c>). The bytes signed are exactly the bytes after <c>sr=</c>.
/// </summary>
public static class SasToken
{
    /// <summary>Builds a token.</summary>
    /// <param name="resource">The resource URI unencoded, e.g. <c>myhub.azure-devices.net/devices/dev1</c>.</param>
    /// <param name="base64Key">The symmetric key, base64.</param>
    /// <param name="expiry">Expiry in Unix seconds.</param>
    /// <param name="keyName">Policy name (<c>skn</c>): omitted for device keys, <c>registration</c> for DPS.</param>
    /// <exception cref="FormatException">The key is not canonical base64.</exception>
    public static string Create(string resource, string base64Key, long expiry, string? keyName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        ArgumentOutOfRangeException.ThrowIfNegative(expiry);
        string encoded = Uri.EscapeDataString(resource);
        string se = expiry.ToString(CultureInfo.InvariantCulture);
        string token = $"SharedAccessSignature sr={encoded}&sig={Uri.EscapeDataString(Sign(encoded, base64Key, expiry))}&se={se}";
        return string.IsNullOrEmpty(keyName) ? token : token + "&skn=" + Uri.EscapeDataString(keyName);
    }

    /// <summary>base64(HMAC-SHA256(key, <paramref name="signedResource"/> + "\n" + expiry)): the signature over exactly the <c>sr</c> value sent.</summary>
    public static string Sign(string signedResource, string base64Key, long expiry) =>
        Convert.ToBase64String(HMACSHA256.HashData(DecodeKey(base64Key), Encoding.UTF8.GetBytes(signedResource + "\n" + expiry.ToString(CultureInfo.InvariantCulture))));

    /// <summary>
    /// The DPS group-enrollment device key: base64(HMAC-SHA256(base64-decoded group key, UTF-8 registration id)).
    /// </summary>
    public static string DeriveDeviceKey(string base64GroupKey, string registrationId)
    {
        ArgumentException.ThrowIfNullOrEmpty(registrationId);
        return Convert.ToBase64String(HMACSHA256.HashData(DecodeKey(base64GroupKey), Encoding.UTF8.GetBytes(registrationId)));
    }

    /// <summary>True when <paramref name="key"/> is non-empty canonical base64.</summary>
    public static bool IsBase64Key(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[Math.Min(key.Length, 1024)];
        return key.Length <= 1024 && Convert.TryFromBase64String(key, buffer, out int written) && written > 0;
    }

    private static byte[] DecodeKey(string base64Key)
    {
        if (!IsBase64Key(base64Key))
        {
            throw new FormatException("The key is not valid base64.");
        }

        return Convert.FromBase64String(base64Key);
    }
}
