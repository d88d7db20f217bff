namespace Edge.Cloud.Mqtt;

/// <summary>
/// Exponential backoff with full jitter: the n-th wait is uniform in [0, min(cap, base × 2ⁿ)]. Spreading reconnects
/// of a whole fleet over the window is what prevents a reconnect storm after a broker restart.
/// </summary>
public sealed class Backoff
{
    private readonly TimeSpan _base;
    private readonly TimeSpan _cap;
    private readonly Func<double> _random;

    /// <summary>Creates a backoff; <paramref name="random"/> returns [0, 1) and is injectable for tests.</summary>
    public Backoff(TimeSpan baseDelay, TimeSpan cap, Func<double>? random = null)
    {
        if (baseDelay <= TimeSpan.Zero || cap < baseDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(baseDelay), "Need 0 < base <= cap.");
        }

        _base = baseDelay;
        _cap = cap;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>Upper bound of the wait after <paramref name="failures"/> consecutive failures (1-based).</summary>
    public TimeSpan Ceiling(int failures)
    {
        double factor = Math.Pow(2, Math.Min(Math.Max(failures - 1, 0), 30));
        return TimeSpan.FromTicks((long)Math.Min(_cap.Ticks, _base.Ticks * factor));
    }

    /// <summary>The wait after <paramref name="failures"/> consecutive failures.</summary>
    public TimeSpan Next(int failures) => TimeSpan.FromTicks((long)(Ceiling(failures).Ticks * _random()));
}
