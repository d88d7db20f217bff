using Microsoft.Extensions.Time.Testing;

namespace Edge.Gateway.Tests;

/// <summary>A wall clock that can step (NTP, an operator, a bad RTC) apart from the monotonic clock, which only advances.</summary>
internal sealed class JumpingClock(DateTimeOffset start) : TimeProvider
{
    private readonly FakeTimeProvider _monotonic = new(start);
    private TimeSpan _offset;

    /// <summary>Both clocks move on.</summary>
    public void Advance(TimeSpan by) => _monotonic.Advance(by);

    /// <summary>The wall clock steps; the monotonic clock does not.</summary>
    public void Jump(TimeSpan by) => _offset += by;

    public override DateTimeOffset GetUtcNow() => _monotonic.GetUtcNow() + _offset;

    public override long GetTimestamp() => _monotonic.GetTimestamp();

    public override long TimestampFrequency => _monotonic.TimestampFrequency;
}
