
namespace Edge.Gateway.Beacons;

/// <summary>BLE log messages (event ids 3000-3099). Never an address, never a key.</summary>
internal static partial class BeaconLog
{
    [LoggerMessage(3000, LogLevel.Warning, "BLE receiver hci{Adapter} unavailable: {Reason}. Running without it.")]
    public static partial void Unavailable(ILogger logger, int adapter, string reason);

    [LoggerMessage(3006, LogLevel.Warning, "BLE unavailable: {Reason}. Running without beacons.")]
    public static partial void NoBluetooth(ILogger logger, string reason);

    [LoggerMessage(3001, LogLevel.Information, "BLE scanning on hci{Adapter} ({CommandSet} scan commands), zone {Zone}")]
    public static partial void Scanning(ILogger logger, int adapter, string commandSet, string zone);

    [LoggerMessage(3002, LogLevel.Information, "BLE replay of {File} finished: {Events} HCI events, {Reports} reports, {Malformed} malformed")]
    public static partial void ReplayDone(ILogger logger, string file, long events, long reports, long malformed);

    [LoggerMessage(3003, LogLevel.Error, "BLE replay of {File} failed: {Reason}")]
    public static partial void ReplayFailed(ILogger logger, string file, string reason);

    [LoggerMessage(3004, LogLevel.Information, "{Type} {Subject} {Zone}")]
    public static partial void Event(ILogger logger, BeaconEventType type, string subject, string? zone);

    [LoggerMessage(3005, LogLevel.Warning, "BLE hci{Adapter}: {Problem}")]
    public static partial void Problem(ILogger logger, int adapter, string problem);
}
