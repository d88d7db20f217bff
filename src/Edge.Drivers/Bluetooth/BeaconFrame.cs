namespace Edge.Drivers.Bluetooth;

/// <summary>The beacon frame types the decoder recognises.</summary>
public enum BeaconKind : byte
{
    /// <summary>Apple iBeacon (manufacturer data 4C 00 02 15).</summary>
    IBeacon,

    /// <summary>AltBeacon (manufacturer data with BE AC).</summary>
    AltBeacon,

    /// <summary>Eddystone-UID (service data FEAA, frame 0x00).</summary>
    EddystoneUid,

    /// <summary>Eddystone-URL (frame 0x10).</summary>
    EddystoneUrl,

    /// <summary>Eddystone-TLM, unencrypted (frame 0x20, version 0).</summary>
    EddystoneTlm,

    /// <summary>Eddystone-TLM, encrypted (frame 0x20, version 1).</summary>
    EddystoneEtlm,

    /// <summary>Eddystone-EID (frame 0x30).</summary>
    EddystoneEid,
}

/// <summary>
/// One recognised beacon frame. A value type that points into the advertising data it was decoded from
/// (<see cref="IdOffset"/>, <see cref="IdLength"/>), so decoding allocates nothing.
/// </summary>
/// <param name="Kind">Frame type.</param>
/// <param name="IdOffset">Offset in the advertising data of the identifying bytes: iBeacon UUID (16), AltBeacon beacon id (20),
/// Eddystone-UID namespace+instance (10+6), URL encoded bytes, eTLM ciphertext (12), EID (8).</param>
/// <param name="IdLength">Length of those bytes.</param>
/// <param name="Power">iBeacon measured power, AltBeacon reference RSSI (both at 1 m), or Eddystone calibrated power at 0 m.</param>
/// <param name="Major">iBeacon major; AltBeacon manufacturer id.</param>
/// <param name="Minor">iBeacon minor.</param>
/// <param name="Extra">AltBeacon reserved byte; Eddystone-URL scheme.</param>
/// <param name="BatteryMv">TLM battery voltage in mV (0 = not supported).</param>
/// <param name="TemperatureRaw">TLM temperature, signed 8.8 °C (0x8000 = not supported).</param>
/// <param name="Count">TLM advertising PDU count.</param>
/// <param name="Uptime">TLM time since power-on in 0.1 s units.</param>
/// <param name="Salt">eTLM salt (big-endian on the air).</param>
/// <param name="Mic">eTLM message integrity check (big-endian on the air).</param>
public readonly record struct BeaconFrame(
    BeaconKind Kind,
    int IdOffset,
    int IdLength,
    sbyte Power,
    ushort Major = 0,
    ushort Minor = 0,
    byte Extra = 0,
    ushort BatteryMv = 0,
    short TemperatureRaw = 0,
    uint Count = 0,
    uint Uptime = 0,
    ushort Salt = 0,
    ushort Mic = 0)
{
    /// <summary>TLM temperature in °C, or null when the beacon does not measure it.</summary>
    public double? TemperatureC => TemperatureRaw == short.MinValue ? null : TemperatureRaw / 256.0;

    /// <summary>The power at 1 m for ranging: Eddystone's 0 m power minus 41 dB (Eddystone spec); null when unusable.</summary>
    public sbyte? PowerAt1m => Kind switch
    {
        // iBeacon/AltBeacon powers >= 0 are vendor data in that byte (Tilt, Theengs), not a power.
        BeaconKind.IBeacon or BeaconKind.AltBeacon => Power is < 0 and >= -127 ? Power : null,
        BeaconKind.EddystoneUid or BeaconKind.EddystoneUrl or BeaconKind.EddystoneEid => (sbyte)Math.Max(-127, Power - 41),
        _ => null,
    };
}
