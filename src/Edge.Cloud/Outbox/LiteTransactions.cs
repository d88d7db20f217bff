using System.Collections;
using System.Reflection;
using LiteDB;

namespace Edge.Cloud.Outbox;

/// <summary>
/// Keeps a failed LiteDB write from killing the process later. When a write fails with an <see cref="IOException"/>
/// (a full disk), LiteDB 5 closes its engine without rolling the transaction back or releasing it; the transaction's
/// finalizer runs whenever the garbage collector gets to it, and there it discards pages of an engine that is gone, fails
/// an internal check and throws on the finalizer thread, which ends the process (seen in CI: "discarded page must be
/// writable"). After a failure, and when a database is disposed, the hosts call <see cref="Defuse"/>: every
/// transaction the engine still holds has its finalizer suppressed (its pages belong to an engine that is closed and
/// reopened from the file anyway).
/// </summary>
/// <remarks>
/// Reached by reflection (LiteDB 5.0.20: <c>LiteDatabase._engine</c> → <c>LiteEngine._monitor</c> →
/// <c>TransactionMonitor._transactions</c>); <see cref="IsSupported"/> is checked by a test, so an upgrade that moves
/// them fails the tests instead of bringing the crash back.
/// </remarks>
public static class LiteTransactions
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
    private static readonly FieldInfo? Engine = typeof(LiteDatabase).GetField("_engine", Private);
    private static readonly FieldInfo? Monitor = typeof(LiteDatabase).Assembly.GetType("LiteDB.Engine.LiteEngine")?.GetField("_monitor", Private);
    private static readonly FieldInfo? Transactions = typeof(LiteDatabase).Assembly.GetType("LiteDB.Engine.TransactionMonitor")?.GetField("_transactions", Private);

    /// <summary>True when this LiteDB version's transactions can be reached.</summary>
    public static bool IsSupported => Engine is not null && Monitor is not null && Transactions is not null;

    /// <summary>Suppresses the finalizer of every transaction <paramref name="db"/>'s engine still holds; returns how many.</summary>
    public static int Defuse(LiteDatabase db)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!IsSupported || Engine!.GetValue(db) is not { } engine || Monitor!.DeclaringType != engine.GetType()
            || Monitor.GetValue(engine) is not { } monitor || Transactions!.GetValue(monitor) is not IDictionary open)
        {
            return 0;
        }

        object[] held;
        lock (open)
        {
            held = [.. open.Values.Cast<object>()];
        }

        foreach (object transaction in held)
        {
#pragma warning disable CA1816 // LiteDB's own object, whose finalizer must not run: there is no Dispose of ours to call it from
            GC.SuppressFinalize(transaction);
#pragma warning restore CA1816
        }

        return held.Length;
    }
}
