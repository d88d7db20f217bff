namespace Edge.Gateway.Shelves;

/// <summary>One shelf's HX711 frames over the last minute, as <c>/healthz</c> shows them.</summary>
/// <param name="Accepted">Frames read and used.</param>
/// <param name="Rejected">Frames read and thrown away (timing, garbled, saturated, settling).</param>
/// <param name="Lost">Conversions the chip made at its data rate that were never read (see <see cref="FrameTally"/>).</param>
public readonly record struct FrameCounts(int Accepted, int Rejected, int Lost);

/// <summary>
/// Counts one shelf's HX711 frames in one-second buckets, so that <see cref="LastMinute"/> reports the 60 whole seconds
/// before the current one. A lost conversion is one the chip made that no read collected: a gap of g between two frames
/// (accepted or rejected) at conversion period P holds round(g / P) − 1 of them once g exceeds 1.5 P (a reader that
/// came late, a chip that stopped answering); a silence still open when asked counts the same way up to now. Each is
/// counted in the second it was due, so a long outage fills the minute it covers and no more. Measuring gaps rather
/// than comparing a count with 60 × rate keeps the internal oscillator's few percent of rate error out of the figure.
/// Written by the bus thread, read by HTTP requests; a lock keeps the buckets consistent and allocates nothing.
/// </summary>
public sealed class FrameTally
{
    private const int Seconds = 60;

    // One bucket more than the window, so the second being filled never overwrites the oldest one reported.
    private const int Buckets = Seconds + 1;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly long _frequency;
    private readonly double _period;
    private readonly long _firstWholeSecond;
    private readonly long[] _second = new long[Buckets];
    private readonly int[] _accepted = new int[Buckets];
    private readonly int[] _rejected = new int[Buckets];
    private readonly int[] _lost = new int[Buckets];
    private long _lastFrame = -1;

    /// <summary>Starts counting now, for a chip converting <paramref name="samplesPerSecond"/> times a second.</summary>
    public FrameTally(int samplesPerSecond, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samplesPerSecond, 1);
        _time = time ?? throw new ArgumentNullException(nameof(time));
        SamplesPerSecond = samplesPerSecond;
        _frequency = time.TimestampFrequency;
        _period = (double)_frequency / samplesPerSecond;
        _firstWholeSecond = (time.GetTimestamp() / _frequency) + 1;
        Array.Fill(_second, -1);
    }

    /// <summary>The data rate the losses are judged against.</summary>
    public int SamplesPerSecond { get; }

    /// <summary>One frame read: <paramref name="accepted"/> or thrown away.</summary>
    public void Frame(bool accepted)
    {
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            if (_lastFrame >= 0)
            {
                Lost(_lastFrame, now, record: true);
            }

            _lastFrame = now;
            int b = Bucket(now / _frequency);
            if (accepted)
            {
                _accepted[b]++;
            }
            else
            {
                _rejected[b]++;
            }
        }
    }

    /// <summary>The 60 whole seconds before the current one (fewer just after start).</summary>
    public FrameCounts LastMinute()
    {
        long now = _time.GetTimestamp();
        long current = now / _frequency;
        long from = Math.Max(current - Seconds, _firstWholeSecond);
        int accepted = 0, rejected = 0, lost = 0;
        lock (_lock)
        {
            for (long s = from; s < current; s++)
            {
                int b = (int)(s % Buckets);
                if (_second[b] == s)
                {
                    accepted += _accepted[b];
                    rejected += _rejected[b];
                    lost += _lost[b];
                }
            }

            if (_lastFrame >= 0)
            {
                lost += Lost(_lastFrame, now, record: false, from, current);
            }
        }

        return new FrameCounts(accepted, rejected, lost);
    }

    // The conversions due strictly between two frames at `from` and `to` (none when the gap is within 1.5 periods), in
    // the seconds [first, end) only: into their buckets, or summed when the gap is still open.
    private int Lost(long from, long to, bool record, long first = long.MinValue, long end = long.MaxValue)
    {
        long gap = to - from;
        if (gap <= 1.5 * _period)
        {
            return 0;
        }

        long n = (long)Math.Round(gap / _period) - 1;
        long toSecond = to / _frequency;
        long firstSecond = Math.Max(Math.Max(from / _frequency, toSecond - Seconds), first);
        long lastSecond = Math.Min(toSecond, end - 1);
        int sum = 0;
        for (long s = firstSecond; s <= lastSecond; s++)
        {
            // Conversion j (1 … n) was due at from + j·P.
            long lo = Math.Max(1, (long)Math.Ceiling(((s * _frequency) - from) / _period));
            long hi = Math.Min(n, (long)Math.Ceiling((((s + 1) * _frequency) - from) / _period) - 1);
            if (hi < lo)
            {
                continue;
            }

            int count = (int)(hi - lo + 1);
            sum += count;
            if (record)
            {
                _lost[Bucket(s)] += count;
            }
        }

        return sum;
    }

    private int Bucket(long second)
    {
        int b = (int)(second % Buckets);
        if (_second[b] != second)
        {
            _second[b] = second;
            _accepted[b] = 0;
            _rejected[b] = 0;
            _lost[b] = 0;
        }

        return b;
    }
}
