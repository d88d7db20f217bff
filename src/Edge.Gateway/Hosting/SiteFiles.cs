using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Edge.Gateway.Hosting;

/// <summary>
/// The files a technician's tools write in the data directory, layered into the configuration between
/// appsettings.json and the environment: <c>site.json</c> (the store's layout and cloud settings, as configuration
/// keys) and <c>secrets.json</c> (passwords and keys, mode 0600, never shown). Both are replaced atomically (written
/// aside, flushed, renamed), so a reader sees the old file or the new one; a read-modify-write holds <c>site.lock</c>,
/// so the CLI and a running gateway's admin API never lose each other's change.
/// </summary>
public static class SiteFiles
{
    /// <summary>The layout and cloud settings.</summary>
    public const string SiteFile = "site.json";

    /// <summary>Secrets: passwords and keys. Readable by the gateway's user only.</summary>
    public const string SecretsFile = "secrets.json";

    private const string LockFile = "site.lock";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Adds both files of <paramref name="dataDir"/> as configuration sources, right after appsettings.json.</summary>
    public static void AddTo(IConfigurationBuilder configuration, string dataDir)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        IList<IConfigurationSource> sources = configuration.Sources;
        int after = sources.Select((s, i) => (s, i)).LastOrDefault(p => p.s is Microsoft.Extensions.Configuration.Json.JsonConfigurationSource).i;
        foreach (string name in (string[])[SecretsFile, SiteFile])
        {
            var source = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
            {
                Path = Path.Combine(Path.GetFullPath(dataDir), name),
                Optional = true,
                ReloadOnChange = false,
            };
            source.ResolveFileProvider();
            sources.Insert(after + 1, source);
        }
    }

    /// <summary>Reads a file as a JSON object: empty when it does not exist.</summary>
    /// <exception cref="InvalidDataException">It exists but is not a JSON object (the message says where).</exception>
    public static JsonObject Read(string dataDir, string name)
    {
        string path = Path.Combine(dataDir, name);
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            return JsonNode.Parse(File.ReadAllBytes(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new InvalidDataException($"{path} is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Changes one file under the lock: <paramref name="change"/> edits the object and returns a result, or throws
    /// to leave the file as it was. The file is written only when the change did not throw.
    /// </summary>
    public static T Edit<T>(string dataDir, string name, Func<JsonObject, T> change, TimeSpan? wait = null)
    {
        ArgumentNullException.ThrowIfNull(change);
        CreateDirectory(dataDir);
        TimeSpan patience = wait ?? TimeSpan.FromSeconds(10);
        using FileStream _ = TryLock(Path.Combine(dataDir, LockFile), patience)
            ?? throw new IOException($"{Path.Combine(dataDir, LockFile)} is held by another writer for more than {patience.TotalSeconds:F0} s");
        JsonObject root = Read(dataDir, name);
        T result = change(root);
        Write(Path.Combine(dataDir, name), Encoding.UTF8.GetBytes(root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n"));
        return result;
    }

    /// <summary>Creates the data directory when it does not exist, for its owner only (0700), as the gateway does.</summary>
    public static void CreateDirectory(string dataDir)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dataDir);
        }
        else
        {
            Directory.CreateDirectory(dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically, readable by the owner only.</summary>
    public static void Write(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        string aside = path + ".new";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        using (var file = new FileStream(aside, options))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(aside, OwnerOnly); // an older file left aside may have had another mode
        }

        File.Move(aside, path, overwrite: true);
    }

    /// <summary>Sets <paramref name="key"/> (a configuration path such as <c>Cloud:Mqtt:Host</c>) in <paramref name="root"/>; null removes it.</summary>
    public static void Set(JsonObject root, string key, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(key);
        string[] parts = key.Split(':');
        JsonObject node = root;
        foreach (string part in parts[..^1])
        {
            if (node[part] is not JsonObject child)
            {
                child = [];
                node[part] = child;
            }

            node = child;
        }

        if (value is null)
        {
            node.Remove(parts[^1]);
        }
        else
        {
            node[parts[^1]] = value;
        }
    }

    /// <summary>
    /// An exclusive lock on <paramref name="path"/> (created owner-only), waiting up to <paramref name="wait"/> while
    /// another process or writer holds it; null when it is still held then. The lock lasts until the stream is disposed.
    /// </summary>
    internal static FileStream? TryLock(string path, TimeSpan wait, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        long start = time.GetTimestamp();
        while (true)
        {
            try
            {
                return new FileStream(path, options);
            }
            catch (IOException) when (time.GetElapsedTime(start) < wait)
            {
                Thread.Sleep(50); // held by a writer for the few milliseconds of its write, or a CLI command
            }
            catch (IOException)
            {
                return null;
            }
        }
    }
}
