namespace Edge.Gateway.Shelves;

/// <summary>
/// Hampel-style spike test over a rolling median of the raw stream: a sample far from the median of the last few is a
/// spike. A real step moves the median within half the window, after which its samples pass. Allocation-free.
/// </summary>
internal sealed class SpikeFilter
{
    private readonly double[] _ring;
    private readonly double[] _scratch;
    private int _count;
    private int _next;

    public SpikeFilter(int samples)
    {
        _ring = new double[samples];
        _scratch = new double[samples];
    }

    /// <summary>Adds <paramref name="x"/> and says whether it is further than <paramref name="limit"/> from the median (false until the ring is full).</summary>
    public bool IsSpike(double x, double limit)
    {
        _ring[_next] = x;
        _next = (_next + 1) % _ring.Length;
        if (_count < _ring.Length)
        {
            _count++;
            return false;
        }

        Array.Copy(_ring, _scratch, _ring.Length);
        Array.Sort(_scratch);
        return Math.Abs(x - _scratch[_scratch.Length / 2]) > limit;
    }

    public void Clear()
    {
        _count = 0;
        _next = 0;
    }
}

/// <summary>The last N accepted samples of a slot, with their mean and standard deviation. Allocation-free.</summary>
internal sealed class StillWindow
{
    private readonly double[] _window;
    private int _count;
    private int _next;

    public StillWindow(int samples) => _window = new double[samples];

    /// <summary>Adds <paramref name="x"/>; true once the window is full.</summary>
    public bool Add(double x)
    {
        _window[_next] = x;
        _next = (_next + 1) % _window.Length;
        if (_count < _window.Length)
        {
            _count++;
        }

        return _count == _window.Length;
    }

    public void Clear()
    {
        _count = 0;
        _next = 0;
    }

    /// <summary>
    /// Mean and standard deviation of the window, and its rise: how far the least-squares line through it climbs from
    /// the oldest sample to the newest. A load still being moved is a slope that a short window's spread can hide.
    /// </summary>
    public (double Mean, double Std, double Rise) Stats()
    {
        int n = _window.Length;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += _window[i];
        }

        double mean = sum / n;
        double squares = 0;
        double moment = 0;
        double centre = (n - 1) / 2.0;
        for (int age = 0; age < n; age++)
        {
            double d = _window[(_next + age) % n] - mean;
            squares += d * d;
            moment += (age - centre) * d;
        }

        // Sum of (age - centre)² over 0..n-1 is n(n²-1)/12.
        double slope = n > 1 ? moment / (n * ((n * n) - 1) / 12.0) : 0;
        return (mean, Math.Sqrt(squares / (n - 1)), slope * (n - 1));
    }
}
