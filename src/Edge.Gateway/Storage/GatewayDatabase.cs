using LiteDB;

namespace Edge.Gateway.Storage;

/// <summary>
/// Owns the gateway's LiteDB file in the data directory. A file that cannot be opened or read is moved aside
/// (never overwritten or deleted) and a fresh one is started, so a corrupt SD-card sector costs history,
/// not the gateway.
/// </summary>
public sealed class GatewayDatabase : IDisposable
{
    /// <summary>File name of the database inside the data directory.</summary>
    public const string FileName = "gateway.db";

    private GatewayDatabase(LiteDatabase db, string path, string? quarantinedTo)
    {
        Db = db;
        Path = path;
        QuarantinedTo = quarantinedTo;
    }

    /// <summary>The open database. LiteDB serialises access internally; our writers are single threads anyway.</summary>
    public LiteDatabase Db { get; }

    /// <summary>Full path of the database file.</summary>
    public string Path { get; }

    /// <summary>Where an unreadable file was moved on open, or null if the file opened cleanly.</summary>
    public string? QuarantinedTo { get; }

    /// <summary>Opens (or creates) a database in <paramref name="dataDir"/>, quarantining an unreadable file.</summary>
    /// <param name="dataDir">The gateway's data directory; created when missing.</param>
    /// <param name="clock">Names the quarantined file.</param>
    /// <param name="fileName">File name: <see cref="FileName"/> for shelf state, <c>outbox.db</c> for the cloud outbox.</param>
    public static GatewayDatabase Open(string dataDir, TimeProvider? clock = null, string fileName = FileName)
    {
        Directory.CreateDirectory(dataDir);
        string path = System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDir, fileName));
        try
        {
            return new GatewayDatabase(OpenChecked(path), path, null);
        }
        catch (Exception ex) when (ex is LiteException or IOException or InvalidCastException or InvalidOperationException or ArgumentException or FormatException or OverflowException or IndexOutOfRangeException or NullReferenceException)
        {
            // LiteDB reports a damaged file through many exception types; any failure to open and read it back
            // means the same thing here.
            string stamp = (clock ?? TimeProvider.System).GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            string aside = $"{path}.corrupt-{stamp}";
            File.Move(path, aside);
            string log = LogFileOf(path);
            if (File.Exists(log))
            {
                File.Move(log, LogFileOf(aside));
            }

            return new GatewayDatabase(OpenChecked(path), path, aside + " (" + ex.GetType().Name + ": " + ex.Message + ")");
        }
    }

    /// <inheritdoc />
    public void Dispose() => Db.Dispose();

    private static LiteDatabase OpenChecked(string path)
    {
        var db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct });
        try
        {
            // Opening only reads the header; touch every collection so a damaged page surfaces now, not mid-shift.
            foreach (string name in db.GetCollectionNames())
            {
                _ = db.GetCollection(name).Count();
            }

            return db;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    private static string LogFileOf(string path) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, System.IO.Path.GetFileNameWithoutExtension(path) + "-log" + System.IO.Path.GetExtension(path));
}
