using Edge.Cloud.Outbox;
using Edge.Drivers.Temperature;
using Edge.Gateway.Events;
using Edge.Gateway.Omnichannel;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Temperature;

/// <summary>
/// Reads every case's sensor each <see cref="TemperatureOptions.Interval"/> on a thread of its own (each binding waits
/// about 20 ms for a conversion), records the readings and the day records durably, and raises the alerts. At start it
/// takes the excursions up where the stored readings left them, so a restart neither repeats an alert nor forgets one.
/// A faulted sensor is a case in state <c>faulted</c> with the reason; the other cases keep being read.
/// </summary>
public sealed class TemperatureService : BackgroundService
{
    /// <summary>Readings waiting for the database, at most (a day of one case at the default interval).</summary>
    public const int MaxWaiting = 1_440;

    private readonly IReadOnlyList<CaseOptions> _cases;
    private readonly TemperatureOptions _options;
    private readonly TemperatureRecords _records;
    private readonly EventBus _bus;
    private readonly TimeProvider _time;
    private readonly TimeZoneInfo _zone;
    private readonly ILogger<TemperatureService> _logger;
    private readonly ITemperatureSensor[] _sensors;
    private readonly CaseExcursions[] _excursions;
    private readonly CaseReading?[] _last;
    private readonly List<CaseReading> _waiting = [];
    private readonly Dictionary<(string CaseId, DateOnly Date), CaseDay> _waitingDays = [];
    private readonly Lock _lock = new();
    private readonly StoreClock? _clock;
    private readonly Func<bool?> _ntpSynchronised;
    private DateOnly? _prunedOn;
    private bool _restored;

    /// <summary>Opens every case's sensor (a sensor that cannot be opened reads as faulted).</summary>
    public TemperatureService(ChilledCases cases, IOptions<TemperatureOptions> options, IOptions<OmnichannelOptions> store, ICaseSensorFactory sensors,
        TemperatureRecords records, EventBus bus, TimeProvider time, ILogger<TemperatureService> logger, StoreClock? clock = null, Func<bool?>? ntpSynchronised = null)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(sensors);
        _cases = cases.Cases;
        _options = options.Value;
        _records = records ?? throw new ArgumentNullException(nameof(records));
        _bus = bus ?? throw new ArgumentNullException(nameof(bus));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _zone = TimeZoneInfo.FindSystemTimeZoneById(store.Value.TimeZone);
        _clock = clock;
        _ntpSynchronised = ntpSynchronised ?? Clock.ClockRegistration.NtpSynchronised;
        _sensors = [.. _cases.Select(sensors.Open)];
        _excursions = [.. _cases.Select(c => new CaseExcursions(c.Id, c.Limits(_options.Interval), _zone))];
        _last = new CaseReading?[_cases.Count];
    }

    /// <summary>The store's time zone, in which days are counted.</summary>
    public TimeZoneInfo Zone => _zone;

    /// <summary>Readings taken but not yet stored (the database refused them; they are stored with the next round).</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Readings given up because too many waited.</summary>
    public long Dropped { get; private set; }

    /// <summary>Why the last save failed, or null.</summary>
    public string? LastError { get; private set; }

    /// <summary>Every case now.</summary>
    public IReadOnlyList<CaseState> States()
    {
        lock (_lock)
        {
            return [.. Enumerable.Range(0, _cases.Count).Select(StateOf)];
        }
    }

    /// <summary>The last temperature of the case holding <paramref name="shelfId"/>, if it is recent (three intervals) and not faulted.</summary>
    public double? CelsiusOfShelf(string shelfId)
    {
        lock (_lock)
        {
            for (int i = 0; i < _cases.Count; i++)
            {
                if (_cases[i].Shelves.Contains(shelfId, StringComparer.Ordinal))
                {
                    return _last[i] is { Celsius: { } c } r && _time.GetUtcNow() - r.At <= 3 * _options.Interval ? c : null;
                }
            }

            return null;
        }
    }

    /// <summary>The local date of <paramref name="at"/> in the store's zone.</summary>
    public DateOnly DateOf(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, _zone).DateTime);

    /// <summary>Takes the excursions and the last readings up from the stored readings of the last two days (alerts already raised are not raised again).</summary>
    public void Restore()
    {
        DateTimeOffset now = _time.GetUtcNow();
        DateOnly from = DateOf(now).AddDays(-2);
        var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), _zone.GetUtcOffset(from.ToDateTime(TimeOnly.MinValue)));
        IReadOnlyList<CaseReading> stored = _records.Since(start);
        lock (_lock)
        {
            foreach (CaseReading r in stored)
            {
                int i = IndexOf(r.CaseId);
                if (i >= 0)
                {
                    _ = _excursions[i].Observe(r.At, r.Celsius);
                    _last[i] = r;
                }
            }

            _restored = true;
        }

        TemperatureLog.Restored(_logger, stored.Count, _cases.Count);
    }

    /// <summary>Reads every case once, records the round and publishes what it changed (blocking: about 20 ms per sensor).</summary>
    public IReadOnlyList<CaseState> ReadRound()
    {
        var round = new CaseReading[_cases.Count];
        for (int i = 0; i < _cases.Count; i++)
        {
            TemperatureReading reading;
            try
            {
                reading = _sensors[i].Read();
            }
#pragma warning disable CA1031 // a driver that throws what it should have reported is one faulted case, not a stopped round
            catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
            {
                reading = TemperatureReading.Faulted($"the sensor at {_sensors[i].Where} failed: {ex.GetType().Name}: {ex.Message}");
            }

            round[i] = new CaseReading(_cases[i].Id, _time.GetUtcNow(), reading.Celsius, reading.Fault);
        }

        DateTimeOffset now = _time.GetUtcNow();
        var alerts = new List<CaseAlert>();
        var days = new List<(CaseDay Day, double High)>();
        IReadOnlyList<CaseState> states;
        List<CaseReading> toSave;
        List<CaseDay> daysToSave;
        lock (_lock)
        {
            for (int i = 0; i < round.Length; i++)
            {
                CaseReading r = round[i];
                DateOnly? previousDay = _last[i] is { } p ? DateOf(p.At) : null;
                if (r.Fault is not null && _last[i]?.Fault != r.Fault)
                {
                    TemperatureLog.Faulted(_logger, r.CaseId, r.Fault);
                }
                else if (r.Fault is null && _last[i]?.Fault is not null)
                {
                    TemperatureLog.Recovered(_logger, r.CaseId);
                }

                if (_excursions[i].Observe(r.At, r.Celsius) is { } alert)
                {
                    alerts.Add(alert);
                }

                _last[i] = r;
                // The time since the previous reading belongs to its day: a reading after midnight finishes yesterday's record.
                foreach (DateOnly d in (previousDay is { } pd && pd != DateOf(r.At) ? [pd, DateOf(r.At)] : (DateOnly[])[DateOf(r.At)]))
                {
                    days.Add((_excursions[i].Record(d), _cases[i].High));
                }
            }

            _waiting.AddRange(round);
            if (_waiting.Count > MaxWaiting * Math.Max(1, _cases.Count))
            {
                int over = _waiting.Count - (MaxWaiting * Math.Max(1, _cases.Count));
                _waiting.RemoveRange(0, over);
                Dropped += over;
            }

            foreach ((CaseDay day, _) in days)
            {
                _waitingDays[(day.CaseId, day.Date)] = day;
            }

            toSave = [.. _waiting];
            daysToSave = [.. _waitingDays.Values];
            states = [.. Enumerable.Range(0, _cases.Count).Select(StateOf)];
        }

        Save(toSave, daysToSave, now);
        foreach (CaseAlert alert in alerts)
        {
            TemperatureLog.Alert(_logger, alert.Kind.ToString(), alert.CaseId, alert.Peak, alert.High);
            _bus.Publish<TemperatureEvent>(new CaseAlertRaised(alert));
        }

        foreach ((CaseDay day, double high) in days)
        {
            _bus.Publish<TemperatureEvent>(new CaseDayChanged(day, high, now));
        }

        _bus.Publish(new CasesRead(states, now));
        return states;
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        foreach (ITemperatureSensor sensor in _sensors)
        {
            sensor.Dispose();
        }

        base.Dispose();
    }

    /// <summary>Publishes every case's record of today and yesterday again (the cloud lost some: a full queue, a refused outbox).</summary>
    public void RepublishDays()
    {
        DateTimeOffset now = _time.GetUtcNow();
        DateOnly today = DateOf(now);
        var days = new List<CaseDayChanged>();
        lock (_lock)
        {
            for (int i = 0; i < _cases.Count; i++)
            {
                foreach (DateOnly date in (DateOnly[])[today.AddDays(-1), today])
                {
                    CaseDay day = _excursions[i].Record(date);
                    if (day.Readings > 0 || day.MinutesFaulted > 0)
                    {
                        days.Add(new CaseDayChanged(day, _cases[i].High, now));
                    }
                }
            }
        }

        foreach (CaseDayChanged day in days)
        {
            _bus.Publish<TemperatureEvent>(day);
        }
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _cases.Count == 0 ? Task.CompletedTask : WriterThread.Start("temperature", () => Run(stoppingToken));

    // One thread for the life of the gateway: a sensor read blocks for its conversion (up to 750 ms for a DS18B20),
    // which has no place on the thread pool the web server and the journal need.
    private void Run(CancellationToken stoppingToken)
    {
        if (!_restored)
        {
            Guarded("take up the stored readings", Restore);
        }

        using var timer = new PeriodicTimer(_options.Interval, _time);
        do
        {
            Guarded("read the cases", () => ReadRound());
        }
        while (WriterThread.WaitAny(timer.WaitForNextTickAsync(stoppingToken).AsTask()) == 0 && !stoppingToken.IsCancellationRequested);
    }

    // A round that fails for a reason nobody foresaw is logged and the next one tried: the hygiene record goes on, and
    // the shelves and the cloud are not stopped with it.
    private void Guarded(string what, Action work)
    {
        try
        {
            work();
        }
#pragma warning disable CA1031 // the loop must outlive what it did not foresee; the failure is logged with its stack trace
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            TemperatureLog.RoundFailed(_logger, what, ex);
        }
    }

    private void Save(List<CaseReading> readings, List<CaseDay> days, DateTimeOffset now)
    {
        try
        {
            _records.Save(readings, days);
            lock (_lock)
            {
                _waiting.RemoveRange(0, Math.Min(readings.Count, _waiting.Count));
                foreach (CaseDay day in days)
                {
                    // A newer figure of the same day, from a round taken meanwhile, stays to be saved.
                    if (_waitingDays.TryGetValue((day.CaseId, day.Date), out CaseDay? waiting) && waiting == day)
                    {
                        _ = _waitingDays.Remove((day.CaseId, day.Date));
                    }
                }
            }

            bool recovered = LastError is not null;
            LastError = null;
            if (recovered)
            {
                TemperatureLog.Saved(_logger, readings.Count);
                // What the cloud was told while the card was full may not have reached the outbox either.
                RepublishDays();
            }

            DateOnly today = DateOf(now);
            // Only by a clock NTP vouches for: an RTC or an operator a year ahead would otherwise prune the whole record.
            if (_prunedOn != today && _clock is { Plausible: true } && _ntpSynchronised() == true)
            {
                _prunedOn = today;
                _ = _records.Prune(today, now);
            }
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException or UnauthorizedAccessException or ObjectDisposedException or TimeoutException)
        {
            // A full card: the readings wait in memory and go with the next round that can be stored.
            if (LastError is null)
            {
                TemperatureLog.SaveFailed(_logger, readings.Count, ex.Message);
            }

            LastError = ex.Message;
        }
    }

    private int IndexOf(string caseId)
    {
        for (int i = 0; i < _cases.Count; i++)
        {
            if (_cases[i].Id == caseId)
            {
                return i;
            }
        }

        return -1;
    }

    private CaseState StateOf(int i)
    {
        CaseOptions c = _cases[i];
        CaseExcursions x = _excursions[i];
        CaseReading? r = _last[i];
        // A reading older than three intervals: the reader is stuck (a bus that hangs), and the record has stopped.
        string status = r is null ? "starting" : _time.GetUtcNow() - r.At > 3 * _options.Interval ? "stale"
            : r.Fault is not null ? "faulted" : x.OutOfRangeSince is not null ? "high" : "ok";
        return new CaseState(c.Id, c.Name, _sensors[i].Where, status, r?.Celsius, r?.Fault, r?.At, c.High, x.OutOfRangeSince, x.Alerted, c.Shelves);
    }
}
