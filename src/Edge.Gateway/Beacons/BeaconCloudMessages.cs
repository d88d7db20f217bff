using System.Text.Json;
using Edge.Cloud.Outbox;
using Edge.Gateway.Cloud;

namespace Edge.Gateway.Beacons;

/// <summary>The one place where beacon events become cloud messages: presence is telemetry, fleet health alerts.</summary>
public static class BeaconCloudMessages
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The outbox entry of a beacon event (stream <c>presence</c> or <c>beacon-alerts</c>).</summary>
    public static OutboxEntry Of(BeaconEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        bool alert = e.Type is BeaconEventType.BeaconMissing or BeaconEventType.BeaconRecovered or BeaconEventType.BeaconBatteryLow or BeaconEventType.BeaconMoved;
        return new OutboxEntry(alert ? "beacon-alerts" : "presence", e.Type.ToString(), alert ? CloudClasses.Alert : CloudClasses.Telemetry, JsonSerializer.SerializeToUtf8Bytes(e, Json), Timestamp: e.Timestamp);
    }
}
