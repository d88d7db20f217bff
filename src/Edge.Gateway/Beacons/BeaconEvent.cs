using System.Text.Json.Serialization;

namespace Edge.Gateway.Beacons;

/// <summary>Presence and fleet-health events. The names are part of the cloud contract.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BeaconEventType>))]
public enum BeaconEventType
{
    /// <summary>An opted-in shopper came within range of a zone's receiver.</summary>
    ZoneEntered,

    /// <summary>The shopper has stayed in the zone for the dwell time.</summary>
    Dwell,

    /// <summary>The shopper left the zone (out of range, or silent).</summary>
    ZoneExited,

    /// <summary>A store beacon has not been heard for the missing time.</summary>
    BeaconMissing,

    /// <summary>A missing store beacon is heard again.</summary>
    BeaconRecovered,

    /// <summary>A store beacon's TLM battery is below the threshold.</summary>
    BeaconBatteryLow,

    /// <summary>A store beacon's signal at a receiver shifted from its baseline: it was probably moved.</summary>
    BeaconMoved,
}

/// <summary>
/// One presence or health event. <see cref="Subject"/> is a store beacon id or a shopper's daily-rotating hash; never an
/// address. <see cref="Audience"/> is the shopper app's audience class (configured under <c>Beacons</c>), if any.
/// </summary>
public sealed record BeaconEvent(BeaconEventType Type, string Subject, string? Zone, DateTimeOffset Timestamp, double? DistanceMeters = null, double? Seconds = null, int? BatteryMv = null, double? ShiftDb = null, string? Audience = null);
