using System.Reflection;
using LiteDB;

namespace Edge.Cloud.Outbox;

/// <summary>
/// Makes a LiteDB 5 commit mean "written". LiteDB returns from a commit once the transaction's pages are queued for
/// its log-writer thread, which writes them (and syncs the file) a moment later; a write that fails there (a full
/// disk) is reported only by the next commit, so a commit already reported as done could vanish. After every
/// operation the hosts wait here for that queue to drain and raise its error, so what a producer is told is on disk
/// is in the operating system's hands; for a database opened with <see cref="LiteFile.Open"/> the log is then synced to
/// the device before the wait returns (otherwise LiteDB's own sync follows at once).
/// </summary>
/// <remarks>
/// LiteDB does not expose the queue, so it is reached by reflection (LiteDB 5.0.20: <c>LiteDatabase._engine</c> →
/// <c>LiteEngine._disk</c> → <c>DiskService.Queue</c> → <c>DiskWriterQueue._queueIsEmpty</c> and <c>_exception</c>).
/// <see cref="IsSupported"/> is checked by a test, so a LiteDB upgrade that moves them fails the build's tests
/// rather than silently weakening durability.
/// </remarks>
public static class LiteLog
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);
    private static readonly FieldInfo? Engine = typeof(LiteDatabase).GetField("_engine", Private);
    private static readonly FieldInfo? Disk = typeof(LiteDatabase).Assembly.GetType("LiteDB.Engine.LiteEngine")?.GetField("_disk", Private);
    private static readonly PropertyInfo? Queue = typeof(LiteDatabase).Assembly.GetType("LiteDB.Engine.DiskService")?.GetProperty("Queue", Private);
    private static readonly PropertyInfo? Created = Queue?.PropertyType.GetProperty("IsValueCreated");
    private static readonly PropertyInfo? Value = Queue?.PropertyType.GetProperty("Value");
    private static readonly Type? WriterType = typeof(LiteDatabase).Assembly.GetType("LiteDB.Engine.DiskWriterQueue");
    private static readonly FieldInfo? Empty = WriterType?.GetField("_queueIsEmpty", Private);
    private static readonly FieldInfo? Failure = WriterType?.GetField("_exception", Private);

    /// <summary>How long a host waits for the log writer before it calls the database failing (an SD card can stall).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>True when this LiteDB version's log writer can be reached.</summary>
    public static bool IsSupported => Engine is not null && Disk is not null && Created is not null && Value is not null && Empty is not null && Failure is not null;

    /// <summary>
    /// Waits until everything committed on <paramref name="db"/> has been written to its log file. Throws the
    /// writer's <see cref="IOException"/> when a write failed, and an <see cref="IOException"/> when the writer does
    /// not finish within <paramref name="timeout"/>.
    /// </summary>
    public static void WaitWritten(LiteDatabase db, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(db);
        WaitQueueEmpty(db, timeout);

        // Over LiteFile's streams the log is synced here, once per operation, rather than by the writer each time it
        // caught up; for any other database LiteDB's own sync follows the writer at once.
        LiteFile.SyncLog(db);
    }

    private static void WaitQueueEmpty(LiteDatabase db, TimeSpan timeout)
    {
        if (!IsSupported || Engine!.GetValue(db) is not { } engine || Disk!.DeclaringType != engine.GetType() || Disk.GetValue(engine) is not { } disk)
        {
            return;
        }

        // The writer is created with the first write: before that there is nothing to wait for.
        if (Queue!.GetValue(disk) is not { } lazy || !(bool)Created!.GetValue(lazy)! || Value!.GetValue(lazy) is not { } writer
            || Empty!.GetValue(writer) is not ManualResetEventSlim empty)
        {
            return;
        }

        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!empty.Wait(Poll))
        {
            // A failed writer never signals "empty": its error is the answer.
            ThrowIfFailed(writer);
            if (waited.Elapsed > timeout)
            {
                throw new IOException($"the database log was not written within {timeout.TotalSeconds:0} s");
            }
        }

        ThrowIfFailed(writer);
    }

    private static void ThrowIfFailed(object writer)
    {
        if (Failure!.GetValue(writer) is Exception failed)
        {
            throw failed as IOException ?? new IOException("the database log could not be written: " + failed.Message, failed);
        }
    }
}
