using LiteDB;
using LiteDB.Engine;

namespace Edge.Cloud.Outbox;

/// <summary>
/// Opens a LiteDB file over file streams this process owns. LiteDB's log writer syncs the log each time it catches up
/// with the pages a commit queues, which on two cores is several times per commit (16 fsync calls per commit were
/// counted at 1,000 messages a second). Over these streams that sync is left to <see cref="LiteLog.WaitWritten"/>:
/// once the commit's pages are written, the log is synced once, before the caller is told the commit is done. The
/// data file is still synced by LiteDB at every checkpoint.
/// </summary>
/// <remarks>
/// Owning the streams also means they are closed when the database is disposed, even when LiteDB's dispose fails
/// (a full disk) or a reader stream was never returned to its pool: the file can always be opened again.
/// </remarks>
public static class LiteFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Opens or creates the database at <paramref name="path"/> (its log beside it, as LiteDB names it).</summary>
    public static LiteDatabase Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string log = LogFileOf(path);
        var data = new SyncedFileStream(path, deferSync: false);
        SyncedFileStream? logStream = null;
        try
        {
            logStream = new SyncedFileStream(log, deferSync: true);
            var engine = new LiteEngine(new EngineSettings { DataStream = data, LogStream = logStream });
            return new OwnedFileDatabase(engine, data, logStream, log);
        }
        catch
        {
            logStream?.CloseFile();
            data.CloseFile();
            throw;
        }
    }

    /// <summary>The log file LiteDB keeps beside <paramref name="path"/>: <c>name-log.ext</c>.</summary>
    public static string LogFileOf(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path));

    /// <summary>How many times the log of <paramref name="db"/> was synced to the device (null for a database not opened here).</summary>
    internal static long? LogSyncs(LiteDatabase db) => db is OwnedFileDatabase owned ? owned.Log.Syncs : null;

    /// <summary>Syncs what was written to the log of a database opened here since its last sync; a no-op for any other.</summary>
    internal static void SyncLog(LiteDatabase db)
    {
        if (db is OwnedFileDatabase owned)
        {
            owned.Log.SyncIfWritten();
        }
    }

    private sealed class OwnedFileDatabase(LiteEngine engine, SyncedFileStream data, SyncedFileStream log, string logPath) : LiteDatabase(engine)
    {
        public SyncedFileStream Log { get; } = log;

        protected override void Dispose(bool disposing)
        {
            try
            {
                // Checkpoints the log into the data file (synced) and truncates it.
                base.Dispose(disposing);
            }
            finally
            {
                if (disposing)
                {
                    try
                    {
                        if (Log.CloseFile())
                        {
                            File.Delete(logPath);
                        }
                    }
                    finally
                    {
                        data.CloseFile();
                    }
                }
            }
        }
    }

    /// <summary>
    /// An unbuffered file stream whose <see cref="Flush()"/> syncs to the device, or, for the log, only notes that a
    /// sync is owed. LiteDB wraps it in streams of its own that lock on it around every read and write, and that
    /// dispose it when they are disposed, so it ignores <see cref="Stream.Dispose()"/>: its owner calls <see cref="CloseFile"/>.
    /// </summary>
    private sealed class SyncedFileStream(string path, bool deferSync) : Stream
    {
        private readonly FileStream _file = new(path, OpenOptions());

        private bool _written;

        /// <summary>Syncs to the device so far.</summary>
        public long Syncs { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => true;

        public override long Length => _file.Length;

        public override long Position
        {
            get => _file.Position;
            set => _file.Position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => _file.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => _file.Seek(offset, origin);

        public override void SetLength(long value)
        {
            lock (this)
            {
                _file.SetLength(value);
                _written = true;
            }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (this)
            {
                _file.Write(buffer, offset, count);
                _written = true;
            }
        }

        public override void Flush()
        {
            if (!deferSync)
            {
                lock (this)
                {
                    _file.Flush(flushToDisk: true);
                    _written = false;
                    Syncs++;
                }
            }
        }

        /// <summary>Syncs the file to the device if anything was written since the last sync.</summary>
        public void SyncIfWritten()
        {
            // LiteDB's streams lock on this instance around each write, so a page is never half handed over here.
            lock (this)
            {
                if (_written)
                {
                    _written = false;
                    _file.Flush(flushToDisk: true);
                    Syncs++;
                }
            }
        }

        /// <summary>Syncs what is owed and closes the file; returns whether it was empty.</summary>
        public bool CloseFile()
        {
            try
            {
                SyncIfWritten();
                return _file.Length == 0;
            }
            finally
            {
                _file.Dispose();
            }
        }

        // Owned by the database that opened it, not by LiteDB's wrappers: the file stays open.
        protected override void Dispose(bool disposing) => base.Dispose(disposing);

        private static FileStreamOptions OpenOptions()
        {
            // Unbuffered: LiteDB reads and writes whole pages, and its wrappers move the position before each.
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = 0, Options = FileOptions.RandomAccess };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnly;
            }

            return options;
        }
    }
}
