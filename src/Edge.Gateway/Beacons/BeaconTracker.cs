using System.Buffers.Binary;
using Edge.Drivers.Bluetooth;

namespace Edge.Gateway.Beacons;

/// <summary>
/// Turns advertising reports into presence and fleet-health events. Only the store's registered beacons and opted-in
/// shopper apps (the retailer's iBeacon UUID, or a registered Eddystone-EID key) are tracked; everything else is
/// ignored and kept nowhere. Shoppers are named by HMAC(daily salt, identity): the name changes every day and no
/// address ever leaves this class. Single-threaded: the scanner thread or the replay feeds it.
/// </summary>
public sealed class BeaconTracker : IAdvertisingSink
{
    private readonly BeaconOptions _o;
    private readonly Action<BeaconEvent> _emit;
    private readonly byte[] _secret;
    private readonly Dictionary<int, ReceiverOptions> _receivers;
    private readonly Dictionary<(Guid, int, int), string> _iBeacons = [];
    private readonly Dictionary<UInt128, string> _uids = [];
    private readonly Guid? _shopperUuid;
    private readonly EidResolver _eids = new();
    private readonly Dictionary<string, string> _eidAudiences = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Subject> _subjects = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, string> _beaconByAddress = [];
    private readonly BeaconFrame[] _frames = new BeaconFrame[8];
    private readonly Dictionary<ulong, string> _tokenNames = [];
    private DateOnly _saltDay;
    private byte[] _salt = [];
    private DateTimeOffset _now;
    private long _reports;

    /// <summary>Creates a tracker.</summary>
    /// <param name="options">Receivers, registered beacons and thresholds.</param>
    /// <param name="secret">The gateway's persistent secret from which each day's salt is derived.</param>
    /// <param name="emit">Receives events.</param>
    public BeaconTracker(BeaconOptions options, byte[] secret, Action<BeaconEvent> emit)
    {
        _o = options ?? throw new ArgumentNullException(nameof(options));
        _secret = secret ?? throw new ArgumentNullException(nameof(secret));
        _emit = emit ?? throw new ArgumentNullException(nameof(emit));
        List<ReceiverOptions> receivers = options.Receivers.Count > 0 ? options.Receivers : [new ReceiverOptions { Adapter = 0, Zone = "store" }];
        _receivers = receivers.ToDictionary(r => r.Adapter);
        _shopperUuid = options.ShopperUuid is null ? null : Guid.Parse(options.ShopperUuid);
        foreach (StoreBeaconOptions b in options.StoreBeacons)
        {
            if (b.IBeaconUuid is { } u)
            {
                _iBeacons[(Guid.Parse(u), b.Major, b.Minor)] = b.Id;
            }
            else
            {
                _uids[BinaryPrimitives.ReadUInt128BigEndian(Convert.FromHexString(b.EddystoneUid!))] = b.Id;
            }

            _subjects[b.Id] = new Subject(b.Id, isBeacon: true);
        }

        foreach (EidKeyOptions k in options.ShopperEidKeys)
        {
            _eids.Register(k.Name, Convert.FromHexString(k.IdentityKey), k.Exponent, k.ClockEpochUnixSeconds);
            if (k.Audience is { } a)
            {
                _eidAudiences[k.Name] = a;
            }
        }
    }

    /// <summary>Receiver whose report is being fed (set by the caller for each report).</summary>
    public int CurrentAdapter { get; set; }

    /// <summary>Subjects currently tracked (registered beacons plus shoppers seen).</summary>
    public int Tracked => _subjects.Count;

    /// <summary>Reports fed in since start, ignored ones included (read from any thread).</summary>
    public long Reports => Interlocked.Read(ref _reports);

    /// <summary>Reports ignored because they were not from a tracked device.</summary>
    public long Ignored { get; private set; }

    /// <summary>Registered beacons and their state, for the API.</summary>
    public IEnumerable<(string Id, DateTimeOffset? LastSeen, bool Missing, int? BatteryMv)> Beacons =>
        _subjects.Values.Where(s => s.IsBeacon).Select(s => (s.Id, s.LastSeen == default ? (DateTimeOffset?)null : s.LastSeen, s.Missing, s.BatteryMv));

    /// <summary>Shoppers per zone now.</summary>
    public Dictionary<string, int> Occupancy() =>
        _subjects.Values.Where(s => !s.IsBeacon && s.Zone is not null).GroupBy(s => s.Zone!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <inheritdoc />
    public void OnReport(in AdvertisingReport report, ReadOnlySpan<byte> packet, DateTimeOffset time)
    {
        _now = time;
        Interlocked.Increment(ref _reports);
        if (report.Rssi == AdvertisingReport.RssiUnavailable || !_receivers.TryGetValue(CurrentAdapter, out ReceiverOptions? receiver))
        {
            return;
        }

        ReadOnlySpan<byte> data = packet.Slice(report.DataOffset, report.DataLength);
        int n = BeaconDecoder.Decode(data, _frames);
        bool tracked = false;
        for (int i = 0; i < n; i++)
        {
            tracked |= OnFrame(_frames[i], data, report, receiver, time);
        }

        if (!tracked)
        {
            Ignored++;
        }
    }

    /// <summary>Evaluates timeouts (silent shoppers leave, silent beacons go missing). Call every second or so.</summary>
    public void Tick(DateTimeOffset now)
    {
        _now = now;
        foreach (Subject s in _subjects.Values.ToList())
        {
            if (s.IsBeacon)
            {
                if (!s.Missing && s.LastSeen != default && now - s.LastSeen >= _o.MissingAfter)
                {
                    s.Missing = true;
                    _emit(new BeaconEvent(BeaconEventType.BeaconMissing, s.Id, null, now, Seconds: (now - s.LastSeen).TotalSeconds));
                }
            }
            else if (now - s.LastSeen >= _o.ExitAfterSilence)
            {
                if (s.Zone is not null)
                {
                    _emit(new BeaconEvent(BeaconEventType.ZoneExited, s.Id, s.Zone, now, Seconds: (now - s.ZoneSince).TotalSeconds, Audience: s.Audience));
                }

                _subjects.Remove(s.Id); // forgotten: nothing about a shopper outlives their visit
            }
            else
            {
                EvaluateZone(s, now);
            }
        }
    }

    private bool OnFrame(in BeaconFrame f, ReadOnlySpan<byte> data, in AdvertisingReport report, ReceiverOptions receiver, DateTimeOffset time)
    {
        string? beaconId = null;
        string? shopperIdentity = null;
        string? shopperName = null;
        string? audience = null;
        switch (f.Kind)
        {
            case BeaconKind.IBeacon:
                var uuid = new Guid(data.Slice(f.IdOffset, 16), bigEndian: true);
                if (_iBeacons.TryGetValue((uuid, f.Major, f.Minor), out string? id))
                {
                    beaconId = id;
                }
                else if (uuid == _shopperUuid)
                {
                    // Major/minor carry the app's rotating token: the identity is the token, never the address. Names are
                    // cached per token for the day, so a frequent advertiser costs no HMAC per report.
                    RotateSalt(time);
                    ulong token = ((ulong)f.Major << 16) | f.Minor;
                    audience = _o.AudienceOf(f.Major);
                    if (!_tokenNames.TryGetValue(token, out shopperName))
                    {
                        shopperName = Hash(ShopperNames.IBeacon(f.Major, f.Minor), time);
                        _tokenNames[token] = shopperName;
                    }
                }

                break;
            case BeaconKind.EddystoneUid:
                _uids.TryGetValue(BinaryPrimitives.ReadUInt128BigEndian(data.Slice(f.IdOffset, 16)), out beaconId);
                break;
            case BeaconKind.EddystoneEid:
                if (_eids.Resolve(data.Slice(f.IdOffset, 8), time.ToUnixTimeSeconds()) is { } name)
                {
                    shopperIdentity = ShopperNames.Eid(name);
                    audience = _eidAudiences.GetValueOrDefault(name);
                }

                break;
            case BeaconKind.EddystoneTlm:
                // TLM has no identity: it belongs to the registered beacon last seen at the same address (in memory only).
                if (_beaconByAddress.TryGetValue(Key(report), out string? owner))
                {
                    OnBattery(_subjects[owner], f.BatteryMv, time);
                    return true;
                }

                return false;
        }

        if (beaconId is not null)
        {
            _beaconByAddress[Key(report)] = beaconId;
            OnBeacon(_subjects[beaconId], report, receiver, time);
            return true;
        }

        if (shopperName is not null || shopperIdentity is not null)
        {
            string hashed = shopperName ?? Hash(shopperIdentity!, time);
            if (!_subjects.TryGetValue(hashed, out Subject? s))
            {
                s = new Subject(hashed, isBeacon: false) { Audience = audience };
                _subjects[hashed] = s;
            }

            OnShopper(s, f, report, receiver, time);
            return true;
        }

        return false;
    }

    private void OnBeacon(Subject s, in AdvertisingReport report, ReceiverOptions receiver, DateTimeOffset time)
    {
        if (s.Missing)
        {
            s.Missing = false;
            _emit(new BeaconEvent(BeaconEventType.BeaconRecovered, s.Id, receiver.Zone, time, Seconds: (time - s.LastSeen).TotalSeconds));
        }

        s.LastSeen = time;
        Link link = s.LinkTo(receiver.Adapter);
        double filtered = link.Filter.Update(report.Rssi + receiver.OffsetDb, time);
        link.Samples++;
        // The baseline learns slowly over the first minutes; a sustained shift away from it means the beacon moved.
        if (link.Samples <= 60)
        {
            link.Baseline = link.Samples == 1 ? filtered : link.Baseline + ((filtered - link.Baseline) / link.Samples);
            return;
        }

        double shift = filtered - link.Baseline;
        link.ShiftedSamples = Math.Abs(shift) >= _o.MovedShiftDb ? link.ShiftedSamples + 1 : 0;
        if (link.ShiftedSamples == 20)
        {
            _emit(new BeaconEvent(BeaconEventType.BeaconMoved, s.Id, receiver.Zone, time, ShiftDb: Math.Round(shift, 1)));
            // One move, one alert: every receiver re-learns the beacon's new place as its baseline.
            foreach (Link other in s.Links.Values)
            {
                other.Samples = 0;
                other.ShiftedSamples = 0;
            }
        }
    }

    private void OnBattery(Subject s, int batteryMv, DateTimeOffset time)
    {
        bool low = batteryMv > 0 && batteryMv < _o.LowBatteryMv;
        if (low && !s.BatteryLow)
        {
            _emit(new BeaconEvent(BeaconEventType.BeaconBatteryLow, s.Id, null, time, BatteryMv: batteryMv));
        }

        s.BatteryLow = low;
        s.BatteryMv = batteryMv;
    }

    private void OnShopper(Subject s, in BeaconFrame f, in AdvertisingReport report, ReceiverOptions receiver, DateTimeOffset time)
    {
        s.LastSeen = time;
        Link link = s.LinkTo(receiver.Adapter);
        double rssi = link.Filter.Update(report.Rssi + receiver.OffsetDb, time);
        link.LastHeard = time;
        double p1m = f.PowerAt1m ?? -59; // a typical phone beacon at 1 m when the frame carries no usable power
        link.Distance = Math.Pow(10, (p1m - rssi) / (10 * _o.PathLossExponent));
        EvaluateZone(s, time);
    }

    // Nearest receiver heard recently decides; entering needs <= EnterMeters, leaving > ExitMeters (hysteresis).
    private void EvaluateZone(Subject s, DateTimeOffset now)
    {
        (string? zone, double distance) best = (null, double.MaxValue);
        double current = double.MaxValue;
        foreach ((int adapter, Link link) in s.Links)
        {
            if (now - link.LastHeard > _o.ExitAfterSilence)
            {
                continue;
            }

            string zone = _receivers[adapter].Zone;
            if (link.Distance < best.distance)
            {
                best = (zone, link.Distance);
            }

            if (zone == s.Zone)
            {
                current = Math.Min(current, link.Distance);
            }
        }

        if (s.Zone is not null && current > _o.ExitMeters)
        {
            _emit(new BeaconEvent(BeaconEventType.ZoneExited, s.Id, s.Zone, now, Seconds: (now - s.ZoneSince).TotalSeconds, Audience: s.Audience));
            s.Zone = null;
        }

        if (s.Zone is null && best.zone is not null && best.distance <= _o.EnterMeters)
        {
            s.Zone = best.zone;
            s.ZoneSince = now;
            s.DwellSent = false;
            _emit(new BeaconEvent(BeaconEventType.ZoneEntered, s.Id, s.Zone, now, DistanceMeters: Math.Round(best.distance, 2), Audience: s.Audience));
        }

        if (s.Zone is not null && !s.DwellSent && now - s.ZoneSince >= _o.DwellAfter)
        {
            s.DwellSent = true;
            _emit(new BeaconEvent(BeaconEventType.Dwell, s.Id, s.Zone, now, Seconds: (now - s.ZoneSince).TotalSeconds, Audience: s.Audience));
        }
    }

    private static ulong Key(in AdvertisingReport report) => report.Address | ((ulong)report.AddressType << 48);

    // HMAC(daily salt, identity); the salt is HMAC(secret, date), so names rotate at midnight UTC and cannot be
    // linked across days without the gateway's secret.
    private string Hash(string identity, DateTimeOffset time)
    {
        RotateSalt(time);
        return ShopperNames.Name(_salt, identity);
    }

    private void RotateSalt(DateTimeOffset time)
    {
        var day = DateOnly.FromDateTime(time.UtcDateTime);
        if (day != _saltDay || _salt.Length == 0)
        {
            _saltDay = day;
            _salt = ShopperNames.Salt(_secret, day);
            _tokenNames.Clear(); // yesterday's names must not survive midnight
        }
    }

    private sealed class Subject(string id, bool isBeacon)
    {
        public string Id { get; } = id;

        public bool IsBeacon { get; } = isBeacon;

        public Dictionary<int, Link> Links { get; } = [];

        public DateTimeOffset LastSeen { get; set; }

        public bool Missing { get; set; }

        public bool BatteryLow { get; set; }

        public int? BatteryMv { get; set; }

        public string? Zone { get; set; }

        public string? Audience { get; init; }

        public DateTimeOffset ZoneSince { get; set; }

        public bool DwellSent { get; set; }

        public Link LinkTo(int adapter)
        {
            if (!Links.TryGetValue(adapter, out Link? link))
            {
                link = new Link();
                Links[adapter] = link;
            }

            return link;
        }
    }

    private sealed class Link
    {
        public RssiKalman Filter;

        public double Distance { get; set; } = double.MaxValue;

        public DateTimeOffset LastHeard { get; set; }

        public double Baseline { get; set; }

        public int Samples { get; set; }

        public int ShiftedSamples { get; set; }
    }
}
