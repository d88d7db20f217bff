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

    public (double Mean, double Std) Stats()
    {
        double sum = 0;
        for (int i = 0; i < _window.Length; i++)
        {
            sum += _window[i];
        }

        double mean = sum / _window.Length;
        double squares = 0;
        for (int i = 0; i < _window.Length; i++)
        {
            double d = _window[i] - mean;
            squares += d * d;
        }

        return (mean, Math.Sqrt(squares / (_window.Length - 1)));
    }
}
