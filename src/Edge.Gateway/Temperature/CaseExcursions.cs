namespace Edge.Gateway.Temperature;

/// <summary>The limits one chilled case is held to.</summary>
/// <param name="High">Above this (°C) the case is out of range.</param>
/// <param name="Hysteresis">An excursion ends only at or below <c>High - Hysteresis</c>, so a reading that wavers at the limit is one excursion, not many.</param>
/// <param name="MinDuration">How long an excursion lasts before it is an alert: a door opened for 30 s is not one.</param>
/// <param name="Interval">How often the sensor is read; a reading stands for at most twice this (a gap beyond is not counted).</param>
public sealed record CaseLimits(double High, double Hysteresis, TimeSpan MinDuration, TimeSpan Interval)
{
    /// <summary>What is wrong with these limits, naming the key, or null.</summary>
    public string? Problem(string key) =>
        !double.IsFinite(High) ? $"{key}:High must be a temperature in °C"
        : !(Hysteresis >= 0) || !double.IsFinite(Hysteresis) ? $"{key}:Hysteresis must be 0 °C or more"
        : MinDuration < TimeSpan.Zero ? $"{key}:MinDuration must not be negative"
        : Interval <= TimeSpan.Zero ? $"{key}:Interval must be longer than 0"
        : null;
}

/// <summary>An alert about a case: <see cref="CaseAlertKind.TemperatureHigh"/> once an excursion has lasted, <see cref="CaseAlertKind.TemperatureRecovered"/> when it ends.</summary>
public sealed record CaseAlert(CaseAlertKind Kind, string CaseId, DateTimeOffset Since, DateTimeOffset At, double Peak, double High);

/// <summary>The two alert types, named as the events are.</summary>
public enum CaseAlertKind
{
    /// <summary>The case has been above its limit for the minimum duration.</summary>
    TemperatureHigh,

    /// <summary>An alerted excursion ended (at or below the limit less the hysteresis).</summary>
    TemperatureRecovered,
}

/// <summary>One case's day (in the store's time zone): the figures a hygiene record keeps.</summary>
public sealed record CaseDay(string CaseId, DateOnly Date, double? Min, double? Max, double MinutesOutOfRange, double MinutesFaulted, int Readings);

/// <summary>
/// Follows one case's readings: excursions with hysteresis and a minimum duration, and the daily record. Readings come
/// in time order; one that is faulted (null) counts as neither in nor out of range, and its time as faulted.
/// </summary>
public sealed class CaseExcursions
{
    /// <summary>Days kept in memory; the durable record is the store's.</summary>
    public const int KeptDays = 62;

    private readonly string _caseId;
    private readonly CaseLimits _limits;
    private readonly TimeZoneInfo _zone;
    private readonly Dictionary<DateOnly, DayFigures> _days = [];
    private DateTimeOffset? _lastAt;
    private double? _last;
    private DateTimeOffset? _since;
    private TimeSpan _excursion;
    private double _peak;
    private bool _alerted;

    /// <summary>Creates the tracker for <paramref name="caseId"/>.</summary>
    public CaseExcursions(string caseId, CaseLimits limits, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (limits.Problem("Temperature") is { } problem)
        {
            throw new ArgumentException(problem, nameof(limits));
        }

        _caseId = caseId;
        _limits = limits;
        _zone = zone;
    }

    /// <summary>True while an excursion that has been alerted is going on.</summary>
    public bool Alerted => _alerted;

    /// <summary>When the excursion going on began (alerted or not yet), or null while the case is in range.</summary>
    public DateTimeOffset? OutOfRangeSince => _since;

    /// <summary>The limits it is held to.</summary>
    public CaseLimits Limits => _limits;

    /// <summary>Takes a reading (null when the sensor is faulted); returns the alert it raises, if any.</summary>
    public CaseAlert? Observe(DateTimeOffset at, double? celsius)
    {
        if (_lastAt is { } previous && at < previous)
        {
            // The clock stepped back: the time since the last reading is unknown and counts for nothing.
            _lastAt = null;
        }

        Account(at);
        _lastAt = at;
        _last = celsius;
        if (celsius is not { } c)
        {
            return null;
        }

        Day(at).Reading(c);
        if (_since is null)
        {
            if (c > _limits.High)
            {
                _since = at;
                _excursion = TimeSpan.Zero;
                _peak = c;
            }
        }
        else if (c <= _limits.High - _limits.Hysteresis)
        {
            DateTimeOffset since = _since.Value;
            bool wasAlerted = _alerted;
            _since = null;
            _alerted = false;
            return wasAlerted ? new CaseAlert(CaseAlertKind.TemperatureRecovered, _caseId, since, at, _peak, _limits.High) : null;
        }
        else
        {
            _peak = Math.Max(_peak, c);
        }

        // Timed by the readings, each gap counted as in the record: a clock that jumps forward (or an hour of faulted
        // readings) does not make a door opened for 30 s an alert.
        if (_since is { } start && !_alerted && _excursion >= _limits.MinDuration)
        {
            _alerted = true;
            return new CaseAlert(CaseAlertKind.TemperatureHigh, _caseId, start, at, _peak, _limits.High);
        }

        return null;
    }

    /// <summary>The record of <paramref name="date"/>; counted up to the last reading.</summary>
    public CaseDay Record(DateOnly date) =>
        _days.TryGetValue(date, out DayFigures? d)
            ? new CaseDay(_caseId, date, d.Min, d.Max, Math.Round(d.OutOfRange.TotalMinutes, 2), Math.Round(d.Faulted.TotalMinutes, 2), d.Readings)
            : new CaseDay(_caseId, date, null, null, 0, 0, 0);

    // The time since the last reading belongs to that reading: out of range, faulted or fine, split at midnight.
    private void Account(DateTimeOffset at)
    {
        if (_lastAt is not { } from)
        {
            return;
        }

        DateTimeOffset until = at - from > 2 * _limits.Interval ? from + (2 * _limits.Interval) : at;
        if (_since is not null)
        {
            _excursion += until - from;
        }

        while (from < until)
        {
            DateTimeOffset local = TimeZoneInfo.ConvertTime(from, _zone);
            DateTimeOffset midnight = new DateTimeOffset(local.Date.AddDays(1), _zone.GetUtcOffset(local.Date.AddDays(1))).ToUniversalTime();
            DateTimeOffset end = midnight < until ? midnight : until;
            DayFigures day = Day(from);
            if (_last is not { } c)
            {
                day.Faulted += end - from;
            }
            else if (c > _limits.High)
            {
                day.OutOfRange += end - from;
            }

            from = end;
        }
    }

    private DayFigures Day(DateTimeOffset at)
    {
        var date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, _zone).DateTime);
        if (!_days.TryGetValue(date, out DayFigures? day))
        {
            day = new DayFigures();
            _days[date] = day;
            // The oldest go first, by count: a clock that jumps years ahead does not wipe the days kept.
            while (_days.Count > KeptDays)
            {
                _days.Remove(_days.Keys.Min());
            }
        }

        return day;
    }

    private sealed class DayFigures
    {
        public double? Min { get; private set; }

        public double? Max { get; private set; }

        public int Readings { get; private set; }

        public TimeSpan OutOfRange { get; set; }

        public TimeSpan Faulted { get; set; }

        public void Reading(double c)
        {
            Min = Min is { } min ? Math.Min(min, c) : c;
            Max = Max is { } max ? Math.Max(max, c) : c;
            Readings++;
        }
    }
}
