namespace Edge.Gateway.Temperature;

/// <summary>A case as the dashboard and <c>GET /api/temperature</c> show it. Field names are a contract.</summary>
/// <param name="Status"><c>starting</c> (not read yet), <c>ok</c>, <c>high</c> (above its limit, alerted or not yet), <c>faulted</c>, or <c>stale</c> (no reading for three intervals: the reader is stuck).</param>
public sealed record CaseState(string CaseId, string? Name, string Sensor, string Status, double? Celsius, string? Fault, DateTimeOffset? At,
    double High, DateTimeOffset? OutOfRangeSince, bool Alerted, IReadOnlyList<string> Shelves);

/// <summary>Base of the temperature events the bus carries (published as this type).</summary>
public abstract record TemperatureEvent(DateTimeOffset Timestamp);

/// <summary>A case raised <c>TemperatureHigh</c> or <c>TemperatureRecovered</c>.</summary>
public sealed record CaseAlertRaised(CaseAlert Alert) : TemperatureEvent(Alert.At);

/// <summary>A case's daily record changed (each reading changes the day it falls in).</summary>
public sealed record CaseDayChanged(CaseDay Day, double High, DateTimeOffset Timestamp) : TemperatureEvent(Timestamp);

/// <summary>A round of readings was taken: every case's state now (for the dashboard; not sent upstream).</summary>
public sealed record CasesRead(IReadOnlyList<CaseState> Cases, DateTimeOffset Timestamp);

/// <summary>The cases the gateway records: configured, or the simulated store's.</summary>
public sealed record ChilledCases(IReadOnlyList<CaseOptions> Cases);

/// <summary>Temperature log messages (event ids 1500-1519).</summary>
internal static partial class TemperatureLog
{
    [LoggerMessage(1500, LogLevel.Warning, "Case {CaseId}: sensor faulted: {Reason}")]
    public static partial void Faulted(ILogger logger, string caseId, string reason);

    [LoggerMessage(1501, LogLevel.Information, "Case {CaseId}: sensor reads again")]
    public static partial void Recovered(ILogger logger, string caseId);

    [LoggerMessage(1502, LogLevel.Warning, "{Kind}: case {CaseId}, peak {Peak:0.0} °C, limit {High:0.0} °C")]
    public static partial void Alert(ILogger logger, string kind, string caseId, double peak, double high);

    [LoggerMessage(1503, LogLevel.Error, "Temperature readings could not be stored ({Count} wait in memory): {Error}")]
    public static partial void SaveFailed(ILogger logger, int count, string error);

    [LoggerMessage(1504, LogLevel.Information, "Temperature readings stored again ({Count} that waited)")]
    public static partial void Saved(ILogger logger, int count);

    [LoggerMessage(1505, LogLevel.Information, "Temperature: {Readings} stored readings taken up for {Cases} cases")]
    public static partial void Restored(ILogger logger, int readings, int cases);

    [LoggerMessage(1506, LogLevel.Error, "Temperature: could not {What}; trying again next round")]
    public static partial void RoundFailed(ILogger logger, string what, Exception exception);
}
