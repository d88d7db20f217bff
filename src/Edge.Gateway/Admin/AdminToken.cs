using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Edge.Gateway.Hosting;

namespace Edge.Gateway.Admin;

/// <summary>
/// The admin token: 32 random bytes shown once when created; only a salted SHA-256 of it is stored, in
/// <c>admin-token.json</c> (mode 0600). A random token of that length needs no slow hash: nobody guesses 256 bits,
/// and the stored hash does not give the token back. Compared in constant time.
/// </summary>
public sealed class AdminToken
{
    /// <summary>File in the data directory.</summary>
    public const string FileName = "admin-token.json";

    /// <summary>Every token starts with this, so a token pasted into the wrong place is recognisable.</summary>
    public const string Prefix = "edge_";

    private readonly byte[] _salt;
    private readonly byte[] _hash;

    private AdminToken(byte[] salt, byte[] hash, DateTimeOffset created)
    {
        _salt = salt;
        _hash = hash;
        Created = created;
    }

    /// <summary>When it was created.</summary>
    public DateTimeOffset Created { get; }

    /// <summary>The stored token of <paramref name="dataDir"/>, or null when none was created.</summary>
    /// <exception cref="InvalidDataException">The file exists but is damaged.</exception>
    public static AdminToken? Load(string dataDir)
    {
        string path = Path.Combine(dataDir, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = doc.RootElement;
            byte[] salt = Convert.FromBase64String(root.GetProperty("salt").GetString()!);
            byte[] hash = Convert.FromBase64String(root.GetProperty("sha256").GetString()!);
            return salt.Length == 16 && hash.Length == 32 ? new AdminToken(salt, hash, root.GetProperty("created").GetDateTimeOffset()) : throw new InvalidDataException($"{path} is damaged: wrong salt or hash length");
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path} is damaged ({ex.Message}); create a new token with 'edge-gateway admin token --rotate'", ex);
        }
    }

    /// <summary>Creates a new token, stores its hash (replacing any earlier one) and returns the token itself: the only time it is seen.</summary>
    public static string Create(string dataDir, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        string token = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        SiteFiles.CreateDirectory(dataDir);
        SiteFiles.Write(Path.Combine(dataDir, FileName), JsonSerializer.SerializeToUtf8Bytes(new
        {
            salt = Convert.ToBase64String(salt),
            sha256 = Convert.ToBase64String(Hash(salt, token)),
            created = time.GetUtcNow(),
        }));
        return token;
    }

    /// <summary>True when <paramref name="candidate"/> is the token; takes the same time whatever it is.</summary>
    public bool Matches(string? candidate)
    {
        byte[] hash = Hash(_salt, candidate ?? "");
        return CryptographicOperations.FixedTimeEquals(hash, _hash);
    }

    private static byte[] Hash(byte[] salt, string token)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(token);
        byte[] salted = new byte[salt.Length + bytes.Length];
        salt.CopyTo(salted, 0);
        bytes.CopyTo(salted, salt.Length);
        return SHA256.HashData(salted);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
