namespace Edge.Gateway.Clock;

/// <summary>
/// The gateway's wall clock: the system clock, moved by an offset while the RTC is trusted over it (NTP not
/// synchronised after a power cut, the system clock behind where the RTC kept counting). The first time the system
/// clock itself steps (NTP answered, or someone set it), the offset is dropped for good: from then on the system clock
/// is the time. Monotonic time and timers are the system's.
/// </summary>
public sealed class GatewayClock : TimeProvider
{
    private readonly TimeProvider _system;
    private readonly TimeSpan _stepLimit;
    private readonly Lock _lock = new();
    private TimeSpan _offset;
    private DateTimeOffset _anchorWall;
    private long _anchorTicks;

    /// <summary>Runs <paramref name="system"/> moved by <paramref name="offset"/> until it steps by more than <paramref name="stepLimit"/>.</summary>
    public GatewayClock(TimeProvider system, TimeSpan offset, TimeSpan stepLimit)
    {
        _system = system ?? throw new ArgumentNullException(nameof(system));
        _offset = offset;
        _stepLimit = stepLimit;
        _anchorWall = system.GetUtcNow();
        _anchorTicks = system.GetTimestamp();
    }

    /// <summary>How far the gateway's time is from the system clock's now.</summary>
    public TimeSpan Offset
    {
        get
        {
            lock (_lock)
            {
                return _offset;
            }
        }
    }

    /// <summary>
    /// Moves the gateway's time to <paramref name="offset"/> from the system clock (following the RTC as the system
    /// clock drifts from it), unless the system clock has stepped since: then the system clock is the time.
    /// </summary>
    public void Follow(TimeSpan offset)
    {
        lock (_lock)
        {
            if (SystemClockSetAt is null)
            {
                _offset = offset;
                _anchorWall = _system.GetUtcNow();
                _anchorTicks = _system.GetTimestamp();
            }
        }
    }

    /// <summary>The system clock is the time from now on (NTP vouches for it).</summary>
    public void Release()
    {
        lock (_lock)
        {
            if (_offset != TimeSpan.Zero)
            {
                _offset = TimeSpan.Zero;
                SystemClockSetAt ??= _system.GetUtcNow();
            }
        }
    }

    /// <summary>When the system clock stepped (or NTP was found to vouch for it) and the offset was dropped, or null.</summary>
    public DateTimeOffset? SystemClockSetAt { get; private set; }

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => _system.LocalTimeZone;

    /// <inheritdoc />
    public override long TimestampFrequency => _system.TimestampFrequency;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        DateTimeOffset now = _system.GetUtcNow();
        lock (_lock)
        {
            if (_offset == TimeSpan.Zero)
            {
                return now;
            }

            long ticks = _system.GetTimestamp();
            DateTimeOffset expected = _anchorWall + _system.GetElapsedTime(_anchorTicks, ticks);
            if ((now - expected).Duration() > _stepLimit)
            {
                _offset = TimeSpan.Zero;
                SystemClockSetAt = now;
                return now;
            }

            _anchorWall = now;
            _anchorTicks = ticks;
            return now + _offset;
        }
    }

    /// <inheritdoc />
    public override long GetTimestamp() => _system.GetTimestamp();

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _system.CreateTimer(callback, state, dueTime, period);
}
