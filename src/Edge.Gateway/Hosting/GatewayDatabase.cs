using Edge.Cloud.Outbox;
using LiteDB;

namespace Edge.Gateway.Hosting;

/// <summary>A database file that cannot be used at all (a directory in its place, no permission): the gateway cannot start.</summary>
public sealed class DatabaseUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Owns one LiteDB file in the data directory. A file that cannot be opened or read, or that is empty, is moved aside
/// (never overwritten or deleted) and a fresh one is started, so a corrupt SD-card sector costs history, not the
/// gateway. Every operation runs through <see cref="Run{T}"/>: after an I/O error (a full disk) LiteDB's engine stays
/// broken, so the next operation reopens the file first and the gateway recovers by itself once space returns.
/// </summary>
public sealed class GatewayDatabase : ILiteDatabaseHost, IDisposable
{
    /// <summary>File name of the database inside the data directory.</summary>
    public const string FileName = "gateway.db";

    /// <summary>Documents read back per collection at open, newest first: enough to cover what the gateway reads in operation.</summary>
    public const int VerifiedDocuments = 10_000;

    /// <summary>Log pages (8 KiB each) after which LiteDB copies the log into the data file.</summary>
    public const int CheckpointPages = 200;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly Lock _lock = new();
    private LiteDatabase _db;
    private bool _broken;

    private GatewayDatabase(LiteDatabase db, string path, string? quarantinedTo)
    {
        _db = db;
        Path = path;
        QuarantinedTo = quarantinedTo;
    }

    /// <summary>The open database, for code that reads it once at start. Prefer <see cref="Run{T}"/>.</summary>
    public LiteDatabase Db
    {
        get
        {
            lock (_lock)
            {
                return _db;
            }
        }
    }

    /// <summary>Full path of the database file.</summary>
    public string Path { get; }

    /// <summary>Where an unreadable file was moved on open, with the reason, or null if the file opened cleanly.</summary>
    public string? QuarantinedTo { get; }

    /// <summary>How many times the file was reopened after an I/O error; changes whenever the engine was replaced.</summary>
    public int Generation { get; private set; }

    /// <summary>The last I/O error, while the database is failing; null once an operation succeeded again.</summary>
    public string? LastError { get; private set; }

    /// <summary>Opens (or creates) a database in <paramref name="dataDir"/>, quarantining an unreadable or empty file.</summary>
    /// <param name="dataDir">The gateway's data directory; created (owner only) when missing.</param>
    /// <param name="clock">Names the quarantined file.</param>
    /// <param name="fileName">File name: <see cref="FileName"/> for shelf state, <c>outbox.db</c> for the cloud outbox.</param>
    /// <param name="verify">
    /// Reads what the file's user will read, so a damaged page surfaces now and the file is quarantined, not mid-shift.
    /// By default the newest <see cref="VerifiedDocuments"/> documents of every collection are read back.
    /// </param>
    /// <exception cref="DatabaseUnavailableException">The directory or file cannot be used at all.</exception>
    public static GatewayDatabase Open(string dataDir, TimeProvider? clock = null, string fileName = FileName, Action<LiteDatabase>? verify = null)
    {
        string path = System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDir, fileName));
        try
        {
            CreateOwnerOnly(dataDir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DatabaseUnavailableException($"the data directory '{System.IO.Path.GetFullPath(dataDir)}' cannot be created or used: {ex.Message}", ex);
        }

        if (Directory.Exists(path))
        {
            throw new DatabaseUnavailableException($"'{path}' is a directory, not a database file; move it away");
        }

        string? quarantined = null;
        if (File.Exists(path) && new FileInfo(path).Length == 0)
        {
            // LiteDB would silently start a fresh database over an empty file: say so, and keep the evidence.
            quarantined = Quarantine(path, clock, "the file was empty (0 bytes)");
        }

        try
        {
            LiteDatabase db;
            try
            {
                db = OpenChecked(path, verify ?? VerifyNewest);
            }
            catch (Exception ex) when (IsDamage(ex))
            {
                // LiteDB reports a damaged file through many exception types; any failure to open and read it back
                // means the same thing here.
                quarantined = Quarantine(path, clock, ex.GetType().Name + ": " + ex.Message);
                db = OpenChecked(path, verify ?? VerifyNewest);
            }

            RestrictModes(path);
            return new GatewayDatabase(db, path, quarantined);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new DatabaseUnavailableException($"'{path}' cannot be opened: {ex.Message}", ex);
        }
    }

    /// <inheritdoc />
    public T Run<T>(Func<LiteDatabase, T> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        lock (_lock)
        {
            if (_broken)
            {
                ReopenLocked();
            }

            try
            {
                T result = operation(_db);
                // LiteDB's commit only queues the pages for its writer thread: done means written (see LiteLog).
                LiteLog.WaitWritten(_db, LiteLog.DefaultTimeout);
                LastError = null;
                return result;
            }
            catch (Exception ex) when (ex is LiteException or IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                // The engine may be unusable now (a failed write leaves it so): the next operation reopens the file. The
                // transaction LiteDB left behind must not run its finalizer on an engine that is gone (it ends the process).
                _broken = true;
                _ = LiteTransactions.Defuse(_db);
                LastError = ex.Message;
                throw;
            }
        }
    }

    /// <summary>Runs an operation that returns nothing.</summary>
    public void Run(Action<LiteDatabase> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        Run(db =>
        {
            operation(db);
            return true;
        });
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            DisposeQuietly(_db);
            _ = LiteTransactions.Defuse(_db);
        }
    }

    private void ReopenLocked()
    {
        _ = LiteTransactions.Defuse(_db);
        DisposeQuietly(_db);
        _ = LiteTransactions.Defuse(_db);
        try
        {
            _db = OpenChecked(Path, _ => { });
        }
        catch (Exception ex) when (IsDamage(ex) || ex is UnauthorizedAccessException)
        {
            LastError = ex.Message;
            throw new IOException($"'{Path}' could not be reopened: {ex.Message}", ex);
        }

        _broken = false;
        Generation++;
    }

    private static void DisposeQuietly(LiteDatabase db)
    {
        try
        {
            db.Dispose();
        }
        catch (Exception ex) when (IsDamage(ex))
        {
            // Disposing checkpoints the log; on a full disk that fails, and the log replays on the next open.
        }
    }

    private static bool IsDamage(Exception ex) =>
        ex is LiteException or IOException or InvalidDataException or InvalidCastException or InvalidOperationException or ArgumentException or FormatException or OverflowException or IndexOutOfRangeException or NullReferenceException;

    private static string Quarantine(string path, TimeProvider? clock, string reason)
    {
        string stamp = (clock ?? TimeProvider.System).GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        string aside = $"{path}.corrupt-{stamp}";
        for (int n = 2; File.Exists(aside); n++)
        {
            aside = $"{path}.corrupt-{stamp}-{n}";
        }

        File.Move(path, aside);
        string log = LiteFile.LogFileOf(path);
        if (File.Exists(log))
        {
            File.Move(log, LiteFile.LogFileOf(aside));
        }

        return aside + " (" + reason + ")";
    }

    private static LiteDatabase OpenChecked(string path, Action<LiteDatabase> verify)
    {
        string log = LiteFile.LogFileOf(path);
        if (File.Exists(path) && !(File.Exists(log) && new FileInfo(log).Length > 0))
        {
            FreePages.Check(path);
        }

        LiteDatabase db = LiteFile.Open(path);
        try
        {
            // LiteDB's page cache grows to what the log holds between checkpoints and keeps it (8 MiB at the
            // default of 1,000 pages, per database): 200 pages bound it at about 1.6 MiB for a few more, smaller
            // checkpoints into the data file. The setting is stored in the file: written once, not at every open.
            if (db.CheckpointSize != CheckpointPages)
            {
                db.CheckpointSize = CheckpointPages;
            }

            // Opening only reads the header: count every collection (index pages), then read documents back (data pages).
            foreach (string name in db.GetCollectionNames())
            {
                _ = db.GetCollection(name).Count();
            }

            verify(db);
            return db;
        }
        catch
        {
            DisposeQuietly(db);
            throw;
        }
    }

    /// <summary>Reads back every document of every collection (for files whose user reads them all at start).</summary>
    public static void VerifyAll(LiteDatabase db)
    {
        ArgumentNullException.ThrowIfNull(db);
        foreach (string name in db.GetCollectionNames())
        {
            _ = db.GetCollection(name).FindAll().Count();
        }
    }

    private static void VerifyNewest(LiteDatabase db)
    {
        foreach (string name in db.GetCollectionNames())
        {
            _ = db.GetCollection(name).Find(Query.All("_id", Query.Descending), limit: VerifiedDocuments).Count();
        }
    }

    private static void CreateOwnerOnly(string dataDir)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dataDir);
        }
        else
        {
            Directory.CreateDirectory(dataDir, OwnerOnly | UnixFileMode.UserExecute);
        }
    }

    // The journal, the outbox and their logs are the store's history: readable and writable by the gateway's user only.
    private static void RestrictModes(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        foreach (string file in (string[])[path, LiteFile.LogFileOf(path)])
        {
            if (File.Exists(file))
            {
                File.SetUnixFileMode(file, OwnerOnly);
            }
        }
    }

}
