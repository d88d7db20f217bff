namespace Edge.Gateway.Beacons;

/// <summary>A BLE receiver (an adapter, placed in an aisle); zones belong to receivers.</summary>
public sealed class ReceiverOptions
{
    /// <summary>HCI adapter index (hci0 = 0); in a capture, the monitor's adapter index.</summary>
    public int Adapter { get; set; }

    /// <summary>Zone this receiver covers.</summary>
    public string Zone { get; set; } = "";

    /// <summary>Added to every RSSI this receiver reports (calibration of its antenna and placement), dB.</summary>
    public double OffsetDb { get; set; }
}

/// <summary>One of the store's own beacons, identified by its iBeacon or Eddystone-UID identity.</summary>
public sealed class StoreBeaconOptions
{
    /// <summary>Asset id, shown in alerts.</summary>
    public string Id { get; set; } = "";

    /// <summary>iBeacon UUID (8-4-4-4-12), with <see cref="Major"/> and <see cref="Minor"/>.</summary>
    public string? IBeaconUuid { get; set; }

    /// <summary>iBeacon major.</summary>
    public int Major { get; set; }

    /// <summary>iBeacon minor.</summary>
    public int Minor { get; set; }

    /// <summary>Eddystone-UID namespace and instance as 32 hex characters (20 + 12).</summary>
    public string? EddystoneUid { get; set; }
}

/// <summary>An opted-in shopper app's Eddystone-EID identity key (a secret: never logged).</summary>
public sealed class EidKeyOptions
{
    /// <summary>Name of the app installation the key belongs to (hashed before it leaves the tracker).</summary>
    public string Name { get; set; } = "";

    /// <summary>Identity key, 32 hex characters.</summary>
    public string IdentityKey { get; set; } = "";

    /// <summary>Rotation exponent K (EID changes every 2^K seconds).</summary>
    public byte Exponent { get; set; } = 10;

    /// <summary>Unix time at which the app's beacon clock was 0.</summary>
    public long ClockEpochUnixSeconds { get; set; }

    /// <summary>The audience this app belongs to (a promotion's <c>audience</c>), or none.</summary>
    public string? Audience { get; set; }
}

/// <summary>A class of iBeacon tokens: the app puts its audience in the major's range.</summary>
public sealed class ShopperAudienceOptions
{
    /// <summary>The audience (a promotion's <c>audience</c>, for example <c>app-members</c>).</summary>
    public string Audience { get; set; } = "";

    /// <summary>Lowest major of the class.</summary>
    public int MinMajor { get; set; }

    /// <summary>Highest major of the class.</summary>
    public int MaxMajor { get; set; } = 65535;
}

/// <summary>Section <c>Beacons</c>.</summary>
public sealed class BeaconOptions
{
    /// <summary>Receivers; empty means adapter 0 in zone "store".</summary>
    public List<ReceiverOptions> Receivers { get; set; } = [];

    /// <summary>The store's beacons.</summary>
    public List<StoreBeaconOptions> StoreBeacons { get; set; } = [];

    /// <summary>The retailer's iBeacon UUID that opted-in shopper apps advertise (major/minor carry a rotating token).</summary>
    public string? ShopperUuid { get; set; }

    /// <summary>Registered EID identity keys of opted-in shopper apps.</summary>
    public List<EidKeyOptions> ShopperEidKeys { get; set; } = [];

    /// <summary>Audiences of iBeacon tokens by the range of their major; a token in none has no audience.</summary>
    public List<ShopperAudienceOptions> ShopperAudiences { get; set; } = [];

    /// <summary>The audience of an iBeacon token with <paramref name="major"/>, or null.</summary>
    public string? AudienceOf(ushort major) => ShopperAudiences.FirstOrDefault(a => major >= a.MinMajor && major <= a.MaxMajor)?.Audience;

    /// <summary>Log-distance path-loss exponent n (2 free space; 2.7 indoors, the ESPresense default).</summary>
    public double PathLossExponent { get; set; } = 2.7;

    /// <summary>A shopper enters a zone within this distance of its receiver.</summary>
    public double EnterMeters { get; set; } = 2.0;

    /// <summary>…and leaves it beyond this one (hysteresis).</summary>
    public double ExitMeters { get; set; } = 4.0;

    /// <summary>A shopper not heard for this long has left.</summary>
    public TimeSpan ExitAfterSilence { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>One Dwell event once a shopper has been in a zone this long.</summary>
    public TimeSpan DwellAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A store beacon not heard for this long is missing.</summary>
    public TimeSpan MissingAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>TLM battery below this is low (mV).</summary>
    public int LowBatteryMv { get; set; } = 2500;

    /// <summary>A store beacon whose filtered RSSI at a receiver moves this far from its baseline has moved (dB).</summary>
    public double MovedShiftDb { get; set; } = 10;

    /// <summary>Recorded capture to replay instead of scanning (<c>--ble-replay</c>).</summary>
    public string? ReplayFile { get; set; }

    /// <summary>Replay speed: 1 = as recorded, 0 = as fast as possible.</summary>
    public double ReplaySpeed { get; set; } = 1;

    /// <summary>Write what the scanner sees to this btsnoop file (<c>--ble-record</c>).</summary>
    public string? RecordFile { get; set; }

    /// <summary>Every problem, each naming its key.</summary>
    public IEnumerable<string> Problems()
    {
        if (!(PathLossExponent is >= 1 and <= 5))
        {
            yield return "Beacons:PathLossExponent must be from 1 to 5";
        }

        if (!(EnterMeters > 0) || !(ExitMeters > EnterMeters))
        {
            yield return "Beacons:ExitMeters must be greater than Beacons:EnterMeters > 0";
        }

        if (ShopperUuid is not null && !Guid.TryParseExact(ShopperUuid, "D", out _))
        {
            yield return "Beacons:ShopperUuid must be a UUID like 8-4-4-4-12";
        }

        for (int i = 0; i < StoreBeacons.Count; i++)
        {
            StoreBeaconOptions b = StoreBeacons[i];
            if (string.IsNullOrWhiteSpace(b.Id))
            {
                yield return $"Beacons:StoreBeacons:{i}:Id must not be empty";
            }

            if ((b.IBeaconUuid is null) == (b.EddystoneUid is null))
            {
                yield return $"Beacons:StoreBeacons:{i}: set exactly one of IBeaconUuid and EddystoneUid";
            }

            if (b.IBeaconUuid is { } u && !Guid.TryParseExact(u, "D", out _))
            {
                yield return $"Beacons:StoreBeacons:{i}:IBeaconUuid must be a UUID like 8-4-4-4-12";
            }

            if (b.EddystoneUid is { } e && (e.Length != 32 || !e.All(char.IsAsciiHexDigit)))
            {
                yield return $"Beacons:StoreBeacons:{i}:EddystoneUid must be 32 hex characters (namespace and instance)";
            }
        }

        for (int i = 0; i < ShopperAudiences.Count; i++)
        {
            ShopperAudienceOptions a = ShopperAudiences[i];
            if (string.IsNullOrWhiteSpace(a.Audience))
            {
                yield return $"Beacons:ShopperAudiences:{i}:Audience must not be empty";
            }

            if (a.MinMajor is < 0 or > 65535 || a.MaxMajor is < 0 or > 65535 || a.MinMajor > a.MaxMajor)
            {
                yield return $"Beacons:ShopperAudiences:{i}: MinMajor and MaxMajor must be 0 to 65535, MinMajor first";
            }
        }

        for (int i = 0; i < ShopperEidKeys.Count; i++)
        {
            EidKeyOptions k = ShopperEidKeys[i];
            if (k.IdentityKey.Length != 32 || !k.IdentityKey.All(char.IsAsciiHexDigit) || k.Exponent > 15)
            {
                // The key itself is never echoed.
                yield return $"Beacons:ShopperEidKeys:{i}: IdentityKey must be 32 hex characters and Exponent 0-15";
            }
        }
    }
}
