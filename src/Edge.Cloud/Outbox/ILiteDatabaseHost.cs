using LiteDB;

namespace Edge.Cloud.Outbox;

/// <summary>
/// Runs operations on a LiteDB database that may be replaced between two of them. After an I/O error (a full disk)
/// LiteDB's engine stays broken, even for reads, until the file is opened again; a host that reopens it lets the
/// outbox recover by itself once space returns.
/// </summary>
public interface ILiteDatabaseHost
{
    /// <summary>Runs <paramref name="operation"/> on the current database, one operation at a time.</summary>
    T Run<T>(Func<LiteDatabase, T> operation);
}

/// <summary>A host for a database that is never reopened (tests, tools): operations run on it directly.</summary>
public sealed class FixedDatabaseHost(LiteDatabase db) : ILiteDatabaseHost
{
    private readonly Lock _lock = new();

    /// <inheritdoc />
    public T Run<T>(Func<LiteDatabase, T> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        lock (_lock)
        {
            T result = operation(db);
            LiteLog.WaitWritten(db, LiteLog.DefaultTimeout);
            return result;
        }
    }
}

/// <summary>Helpers for <see cref="ILiteDatabaseHost"/>.</summary>
public static class LiteDatabaseHostExtensions
{
    /// <summary>Runs an operation that returns nothing.</summary>
    public static void Run(this ILiteDatabaseHost host, Action<LiteDatabase> operation)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(operation);
        host.Run(db =>
        {
            operation(db);
            return true;
        });
    }
}
