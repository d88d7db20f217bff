
namespace Edge.Gateway.Shelves;

/// <summary>Shelf log messages (event ids 1000-1099).</summary>
internal static partial class ShelfLog
{
    [LoggerMessage(1000, LogLevel.Information, "Reading {Count} shelves on {Source}")]
    public static partial void Started(ILogger logger, int count, string source);

    [LoggerMessage(1001, LogLevel.Error, "Shelf {ShelfId} is faulted: {Reason}. The other shelves keep running.")]
    public static partial void ShelfUnavailable(ILogger logger, string shelfId, string reason);

    [LoggerMessage(1002, LogLevel.Error, "No GPIO controller could be opened ({Reason}); every shelf is faulted. Run with --simulate to use the simulated store.")]
    public static partial void NoGpio(ILogger logger, string reason);

    [LoggerMessage(1003, LogLevel.Information, "{Type} on {ShelfId} ({Sku}): {Before} -> {After}, {Grams} g, confidence {Confidence}, seq {Seq}")]
    public static partial void Event(ILogger logger, ShelfEventType type, string shelfId, string sku, int before, int after, double grams, double confidence, long seq);

    [LoggerMessage(1004, LogLevel.Error, "The shelf journal could not commit: {Error}. Events are kept in memory and retried; /healthz says 503 meanwhile.")]
    public static partial void JournalFailing(ILogger logger, string error);

    [LoggerMessage(1007, LogLevel.Information, "The shelf journal commits again; {Events} events that waited in memory are journaled")]
    public static partial void JournalRecovered(ILogger logger, int events);

    [LoggerMessage(1005, LogLevel.Error, "The database {Path} could not be read and was moved to {Aside}; starting on a fresh database. Stock counts are re-measured from the shelves.")]
    public static partial void DatabaseQuarantined(ILogger logger, string path, string aside);

    [LoggerMessage(1006, LogLevel.Information, "No GPIO chip found (/dev/gpiochip*): running the simulated store")]
    public static partial void NoChipSimulating(ILogger logger);
}
