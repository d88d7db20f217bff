using System.Reflection;
using Edge.Gateway.Clock;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Omnichannel;

/// <summary>Another clock the wall clock is checked against (the RTC): a disagreement makes the time implausible.</summary>
public interface IClockWitness
{
    /// <summary>Why the time is not to be trusted, or null.</summary>
    string? Disagreement { get; }
}

/// <summary>
/// Whether the wall clock can be trusted with time-limited promotions. It cannot while it reads earlier than the day
/// this gateway was built (a Pi with no RTC boots in the past until NTP answers), nor for
/// <see cref="OmnichannelOptions.ClockSettleTime"/> after it moved more than <see cref="OmnichannelOptions.MaxClockJump"/>
/// apart from the monotonic clock, nor while a witness (the RTC) disagrees with it. While it cannot, no time-limited promotion applies: the base price is shown.
/// </summary>
public sealed class StoreClock
{
    private readonly TimeProvider _time;
    private readonly OmnichannelOptions _options;
    private readonly Lock _lock = new();
    private readonly IClockWitness[] _witnesses;
    private DateTimeOffset _lastWall;
    private long _lastTicks;
    private DateTimeOffset? _jumpedAt;
    private long _jumpTicks;
    private string? _reason;

    /// <summary>Starts watching from now.</summary>
    public StoreClock(TimeProvider time, IOptions<OmnichannelOptions> options)
        : this(time, options, [])
    {
    }

    /// <summary>Starts watching from now, with <paramref name="witnesses"/> to check the time against.</summary>
    public StoreClock(TimeProvider time, IOptions<OmnichannelOptions> options, IEnumerable<IClockWitness> witnesses)
    {
        _witnesses = [.. witnesses ?? throw new ArgumentNullException(nameof(witnesses))];
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        _lastWall = time.GetUtcNow();
        _lastTicks = time.GetTimestamp();
        BuildDate = ReadBuildDate();
        Check();
    }

    /// <summary>The day this gateway was built: no true "now" is earlier.</summary>
    public DateTimeOffset BuildDate { get; }

    /// <summary>Whether the clock was plausible at the last <see cref="Check"/>.</summary>
    public bool Plausible
    {
        get
        {
            lock (_lock)
            {
                return _reason is null;
            }
        }
    }

    /// <summary>Why it is not, or null.</summary>
    public string? Reason
    {
        get
        {
            lock (_lock)
            {
                return _reason;
            }
        }
    }

    /// <summary>Reads both clocks, updates <see cref="Plausible"/>, and returns the wall clock's now.</summary>
    public DateTimeOffset Check()
    {
        lock (_lock)
        {
            DateTimeOffset now = _time.GetUtcNow();
            long ticks = _time.GetTimestamp();
            TimeSpan monotonic = _time.GetElapsedTime(_lastTicks, ticks);
            TimeSpan drift = now - _lastWall - monotonic;
            if (drift.Duration() > _options.MaxClockJump)
            {
                _jumpedAt = now;
                _jumpTicks = ticks;
                _reason = $"the clock jumped {(drift > TimeSpan.Zero ? "+" : "-")}{drift.Duration():g} against the monotonic clock at {now:O}";
            }

            _lastWall = now;
            _lastTicks = ticks;
            if (now < BuildDate)
            {
                _reason = $"the clock reads {now:O}, before this gateway was built ({BuildDate:yyyy-MM-dd})";
            }
            else if (now > ClockJudge.LatestPlausible(BuildDate))
            {
                _reason = $"the clock reads {now:O}, more than {ClockJudge.PlausibleYearsAfterBuild} years after this gateway was built ({BuildDate:yyyy-MM-dd})";
            }
            else if (_jumpedAt is not null && _time.GetElapsedTime(_jumpTicks, ticks) < _options.ClockSettleTime)
            {
                _reason ??= $"the clock jumped at {_jumpedAt:O}";
            }
            else
            {
                _jumpedAt = null;
                _reason = _witnesses.Select(w => w.Disagreement).FirstOrDefault(d => d is not null);
            }

            return now;
        }
    }

    /// <summary>The build day from the assembly, for checks that run without a <see cref="StoreClock"/> (edge-gateway diag).</summary>
    internal static DateTimeOffset ReadBuildDate()
    {
        string? text = typeof(StoreClock).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "BuildDate")?.Value;
        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out DateTimeOffset d)
            ? d
            : new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }
}
