namespace Edge.Bench;

/// <summary>
/// A clock that moves only when told to, for the driver benchmarks: the simulated chip's pin operations and the
/// benchmark advance it. Its timers are the system's (a wait that is not driven by the chip is not sped up).
/// </summary>
internal sealed class ManualClock : TimeProvider
{
    private long _ticks = 1_000_000;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _ticks;

    public override DateTimeOffset GetUtcNow() => new(_ticks, TimeSpan.Zero);

    public void Advance(TimeSpan span) => _ticks += span.Ticks;
}
