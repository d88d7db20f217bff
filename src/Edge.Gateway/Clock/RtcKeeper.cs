using System.Globalization;
using Edge.Drivers.Clock;
using Edge.Gateway.Omnichannel;

namespace Edge.Gateway.Clock;

/// <summary>A real-time clock as the keeper uses it.</summary>
public interface IRtc : IDisposable
{
    /// <summary>Where it is, for messages.</summary>
    string Where { get; }

    /// <summary>Its time, or why it has none worth using.</summary>
    RtcReading Read();

    /// <summary>Sets it (and clears its oscillator-stop flag).</summary>
    /// <exception cref="IOException">It did not answer.</exception>
    void SetTime(DateTimeOffset utc);
}

/// <summary>A DS3231 through its driver.</summary>
public sealed class Ds3231Rtc(Ds3231Clock clock) : IRtc
{
    /// <inheritdoc />
    public string Where => clock.Where;

    /// <inheritdoc />
    public RtcReading Read() => clock.Read();

    /// <inheritdoc />
    public void SetTime(DateTimeOffset utc) => clock.Set(utc);

    /// <inheritdoc />
    public void Dispose() => clock.Dispose();
}

/// <summary>Which clock the gateway goes by.</summary>
public enum ClockTrust
{
    /// <summary>NTP synchronised the system clock: it is the time, and the RTC is set from it.</summary>
    Ntp,

    /// <summary>No NTP; the RTC kept counting through the power cut and the gateway keeps its time.</summary>
    Rtc,

    /// <summary>No NTP and no usable RTC: the system clock is all there is.</summary>
    System,

    /// <summary>No NTP, and the system clock and the RTC disagree with no way to tell which is right.</summary>
    Neither,
}

/// <summary>What to go by, how far to move the system clock, and what is wrong, in a technician's words.</summary>
/// <param name="Disagreement">Why the time is not to be trusted (the freshness contract's fallback applies), or null.</param>
public sealed record ClockVerdict(ClockTrust Trust, TimeSpan Offset, string? Disagreement, string Advice);

/// <summary>Decides between the system clock and the RTC (pure: the keeper, the start and <c>diag</c> share it).</summary>
public static class ClockJudge
{
    /// <summary>
    /// How long after its build a gateway's clock can plausibly read: a Pi in a store does not run one build for longer,
    /// and a DS3231 that lost its registers reads any year to 2099.
    /// </summary>
    public const int PlausibleYearsAfterBuild = 20;

    /// <summary>The latest time a clock can plausibly read for a build of <paramref name="buildDate"/>.</summary>
    public static DateTimeOffset LatestPlausible(DateTimeOffset buildDate) => buildDate.AddYears(PlausibleYearsAfterBuild);

    /// <summary>Whether a clock reading <paramref name="utc"/> can be the time for a build of <paramref name="buildDate"/>: not before it, nor past <see cref="LatestPlausible"/>.</summary>
    public static bool Plausible(DateTimeOffset utc, DateTimeOffset buildDate) => utc >= buildDate && utc <= LatestPlausible(buildDate);

    /// <summary>The verdict at <paramref name="system"/> (the gateway's time) for an RTC reading (null: no RTC).</summary>
    /// <param name="atStart">At start an RTC ahead of the system clock is adopted (the system clock stopped with the power); later it is a disagreement.</param>
    public static ClockVerdict Judge(DateTimeOffset system, bool ntpSynchronised, RtcReading? rtc, TimeSpan tolerance, DateTimeOffset buildDate, bool atStart)
    {
        if (ntpSynchronised)
        {
            string state = rtc switch
            {
                null => "there is no RTC",
                { Utc: null } r => $"the RTC has no time ({r.Fault}) and is set from the system clock",
                { Utc: { } t } when (t - system).Duration() > TimeSpan.FromSeconds(2) => $"{Gap(t - system)} and is set from it",
                _ => "the RTC agrees",
            };
            return new ClockVerdict(ClockTrust.Ntp, TimeSpan.Zero, null, $"trust the system clock: NTP synchronised it; {state}");
        }

        if (rtc is not { Utc: { } utc })
        {
            string why = rtc is null ? "there is no RTC" : $"the RTC has no time: {rtc.Fault}";
            return new ClockVerdict(ClockTrust.System, TimeSpan.Zero, null, $"trust the system clock only as far as it goes: NTP is not synchronised and {why}");
        }

        if (utc < buildDate)
        {
            return new ClockVerdict(ClockTrust.System, TimeSpan.Zero, null,
                $"the RTC reads {Iso(utc)}, before this build: it is not to be trusted until NTP synchronises and sets it");
        }

        if (utc > LatestPlausible(buildDate))
        {
            return new ClockVerdict(ClockTrust.System, TimeSpan.Zero, null,
                $"the RTC reads {Iso(utc)}, more than {PlausibleYearsAfterBuild} years after this build (a corrupt reading): it is not to be trusted until NTP synchronises and sets it");
        }

        TimeSpan apart = utc - system;
        if (apart.Duration() <= tolerance)
        {
            return new ClockVerdict(ClockTrust.Rtc, TimeSpan.Zero, null, "trust the RTC: NTP is not synchronised and the system clock agrees with it");
        }

        if (atStart && apart > TimeSpan.Zero)
        {
            return new ClockVerdict(ClockTrust.Rtc, apart, null,
                $"trust the RTC: NTP is not synchronised and {Gap(apart)} (the system clock stopped with the power); the gateway goes by the RTC until NTP answers");
        }

        string disagreement = $"{Gap(apart)}, beyond the {tolerance:c} tolerance, with NTP not synchronised";
        return new ClockVerdict(ClockTrust.Neither, TimeSpan.Zero, disagreement,
            $"trust neither: {disagreement}; fix the network so NTP can answer (the RTC is then set from it), or set the time by hand");
    }

    private static string Gap(TimeSpan rtcMinusSystem)
    {
        TimeSpan d = rtcMinusSystem.Duration();
        string size = d >= TimeSpan.FromDays(1) ? d.ToString(@"d\d\ hh\:mm\:ss", CultureInfo.InvariantCulture) : d.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
        return $"the RTC is {size} {(rtcMinusSystem > TimeSpan.Zero ? "ahead of" : "behind")} the system clock";
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>
/// Keeps the RTC and the gateway's clock in step: every <see cref="RtcOptions.CheckInterval"/> it reads the RTC. While
/// NTP is synchronised the system clock is the time and the RTC is set from it (at once when it is more than 2 s off
/// or has no time, else every <see cref="RtcOptions.SyncInterval"/>). Without NTP, when the start went by the RTC, the
/// gateway's clock follows the RTC as the system clock drifts; a disagreement beyond the tolerance that following cannot
/// explain (the system clock was set, or it was ahead of the RTC at start) makes the store clock implausible.
/// </summary>
public sealed class RtcKeeper : BackgroundService, IClockWitness
{
    private readonly IRtc? _rtc;
    private readonly RtcOptions _options;
    private readonly Func<bool?> _ntp;
    private readonly TimeProvider _system;
    private readonly DateTimeOffset _buildDate;
    private readonly ILogger _logger;
    // The DS3231 holds whole seconds, written and read truncated: a healthy one reads up to about a second off.
    private static readonly TimeSpan SetSlack = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private readonly bool _following;
    private ClockVerdict _verdict;
    private RtcReading? _last;
    private DateTimeOffset _readAt;
    private DateTimeOffset? _setAt;
    private string? _setError;

    /// <summary>Reads the RTC once and decides what the gateway's clock is (<see cref="Clock"/>).</summary>
    public RtcKeeper(IRtc? rtc, RtcOptions options, Func<bool?> ntpSynchronised, TimeProvider system, DateTimeOffset buildDate, ILogger logger)
    {
        _rtc = rtc;
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _ntp = ntpSynchronised ?? throw new ArgumentNullException(nameof(ntpSynchronised));
        _system = system ?? throw new ArgumentNullException(nameof(system));
        _buildDate = buildDate;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _last = rtc?.Read();
        _readAt = system.GetUtcNow();
        _verdict = ClockJudge.Judge(system.GetUtcNow(), ntpSynchronised() == true, _last, options.Tolerance, buildDate, atStart: true);
        Clock = new GatewayClock(system, _verdict.Offset, options.Tolerance);
        _following = _verdict.Trust == ClockTrust.Rtc;
        if (rtc is not null)
        {
            RtcLog.Verdict(logger, _verdict.Trust.ToString(), _verdict.Advice);
        }
    }

    /// <summary>The gateway's clock: the system clock, moved to the RTC's time when the start decided so.</summary>
    public GatewayClock Clock { get; }

    /// <inheritdoc />
    public string? Disagreement
    {
        get
        {
            lock (_lock)
            {
                return _verdict.Disagreement;
            }
        }
    }

    /// <summary>What <c>GET /api/clock</c> and <c>diag</c> show.</summary>
    public object Status()
    {
        lock (_lock)
        {
            return new
            {
                now = Clock.GetUtcNow(),
                systemNow = _system.GetUtcNow(),
                trust = _verdict.Trust.ToString().ToLowerInvariant(),
                advice = _verdict.Advice,
                disagreement = _verdict.Disagreement,
                offsetSeconds = Math.Round(Clock.Offset.TotalSeconds, 3),
                systemClockSetAt = Clock.SystemClockSetAt,
                rtc = _rtc is null ? null : new { where = _rtc.Where, utc = _last?.Utc, readAt = _readAt, fault = _last?.Fault, setAt = _setAt, setError = _setError },
            };
        }
    }

    /// <summary>One check: read the RTC, set it while NTP is synchronised, report a disagreement without.</summary>
    public ClockVerdict Check()
    {
        if (_rtc is null)
        {
            return _verdict;
        }

        DateTimeOffset system = _system.GetUtcNow();
        bool ntp = _ntp() == true;
        RtcReading reading = _rtc.Read();
        if (ntp)
        {
            // NTP vouches for the system clock, however it corrected it (a step, or a slew too slow to see as one).
            Clock.Release();
            if (reading.Utc is not { } utc || (utc - system).Duration() > SetSlack || _setAt is not { } at || system - at >= _options.SyncInterval)
            {
                reading = SetFrom(system, reading);
            }
        }
        else if (_following && Clock.SystemClockSetAt is null && reading.Utc is { } rtcNow && ClockJudge.Plausible(rtcNow, _buildDate)
            && (rtcNow - Clock.GetUtcNow()).Duration() > SetSlack && (rtcNow - Clock.GetUtcNow()).Duration() <= _options.Tolerance * 12)
        {
            // Going by the RTC with no NTP: the system clock drifts from it by a few seconds a day, which is followed,
            // not taken for a disagreement that would switch off every time-limited promotion after a week offline.
            Clock.Follow(Clock.Offset + (rtcNow - Clock.GetUtcNow()));
        }

        ClockVerdict verdict = ClockJudge.Judge(Clock.GetUtcNow(), ntp, reading, _options.Tolerance, _buildDate, atStart: false);
        lock (_lock)
        {
            if (verdict.Trust != _verdict.Trust)
            {
                RtcLog.Verdict(_logger, verdict.Trust.ToString(), verdict.Advice);
            }

            _verdict = verdict;
            _last = reading;
            _readAt = system;
        }

        return verdict;
    }

    // Set from the system clock, and read back.
    private RtcReading SetFrom(DateTimeOffset system, RtcReading before)
    {
        try
        {
            _rtc!.SetTime(system);
            lock (_lock)
            {
                _setAt = system;
                _setError = null;
            }

            return _rtc.Read();
        }
        catch (IOException ex)
        {
            lock (_lock)
            {
                _setError = ex.Message;
            }

            return before;
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _rtc?.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_rtc is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.CheckInterval, _system);
        try
        {
            do
            {
                // A few I2C transfers: quick enough for the pool, once a minute.
                _ = Check();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>RTC log messages (event ids 1520-1529).</summary>
internal static partial class RtcLog
{
    [LoggerMessage(1520, LogLevel.Information, "Clock: going by {Trust}: {Advice}")]
    public static partial void Verdict(ILogger logger, string trust, string advice);
}
