using Edge.Drivers.Scales.Hx711;
using Edge.Gateway.Shelves;

namespace Edge.Gateway.Simulation;

/// <summary>
/// The physical side of one simulated slot: a tray with real items (each a little off the nominal weight) on a
/// load cell with mechanical noise, creep and occasional spikes, and the wobble of a hand taking or putting items.
/// Its output is the cell's millivolts, which the simulated HX711 samples.
/// </summary>
internal sealed class SimulatedShelf
{
    private const double MechanicalNoiseGrams = 0.35;
    private static readonly TimeSpan HandDuration = TimeSpan.FromMilliseconds(900);

    private readonly Lock _lock = new();
    private readonly Random _random;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly List<double> _items = [];
    private readonly double _creepPerHour;
    private double _trayGrams;
    private long _handUntil;
    private double _handGrams;
    private double _testGrams;

    public SimulatedShelf(ShelfOptions options, double trayGrams, int initialItems, int seed, TimeProvider time)
    {
        Options = options;
        _trayGrams = trayGrams;
        _random = new Random(seed);
        _time = time;
        _started = time.GetTimestamp();
        _creepPerHour = (_random.NextDouble() * 6) - 3;
        for (int i = 0; i < initialItems; i++)
        {
            _items.Add(NewItem());
        }
    }

    public ShelfOptions Options { get; }

    /// <summary>
    /// A technician's reference weight on the tray, in grams (0: none). Exact, unlike the items: what a calibration
    /// weight is for.
    /// </summary>
    public double TestWeightGrams
    {
        get
        {
            lock (_lock)
            {
                return _testGrams;
            }
        }

        set
        {
            lock (_lock)
            {
                _testGrams = value;
                Touch();
            }
        }
    }

    /// <summary>True while a technician works on the shelf: shoppers and staff leave it alone.</summary>
    public bool InService { get; set; }

    /// <summary>Takes every item off the tray; returns how many there were.</summary>
    public int Empty()
    {
        lock (_lock)
        {
            int n = _items.Count;
            _items.Clear();
            Touch();
            return n;
        }
    }

    /// <summary>Items actually on the tray (the truth the pipeline should find).</summary>
    public int Items
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Takes up to <paramref name="n"/> items; returns how many were there to take.</summary>
    public int Take(int n)
    {
        lock (_lock)
        {
            int taken = Math.Min(n, _items.Count);
            if (taken > 0)
            {
                _items.RemoveRange(_items.Count - taken, taken);
                Touch();
            }

            return taken;
        }
    }

    /// <summary>Puts <paramref name="n"/> items on the tray.</summary>
    public void Put(int n)
    {
        lock (_lock)
        {
            for (int i = 0; i < n; i++)
            {
                _items.Add(NewItem());
            }

            Touch();
        }
    }

    /// <summary>The cell's differential output now, in millivolts.</summary>
    public double Millivolts(Hx711Mode mode)
    {
        _ = mode; // the cell is on channel A in every mode the gateway uses
        double grams;
        lock (_lock)
        {
            long now = _time.GetTimestamp();
            grams = _trayGrams + Sum() + _testGrams + (_creepPerHour * _time.GetElapsedTime(_started, now).TotalHours);
            grams += Gaussian() * MechanicalNoiseGrams;
            if (now < _handUntil)
            {
                double left = _time.GetElapsedTime(now, _handUntil) / HandDuration;
                grams += _handGrams * left * Math.Sin(left * 17);
            }

            if (_random.Next(600) == 0)
            {
                grams += (_random.NextDouble() - 0.5) * 600; // a knock or an electrical spike, about once a minute
            }
        }

        return DemoStoreLayout.CellZeroMillivolts + (grams * DemoStoreLayout.CellFullScaleMillivolts / DemoStoreLayout.CellCapacityGrams);
    }

    private void Touch()
    {
        _handUntil = _time.GetTimestamp() + (long)(HandDuration.TotalSeconds * _time.TimestampFrequency);
        _handGrams = 80 + (_random.NextDouble() * 300);
    }

    private double Sum()
    {
        double sum = 0;
        foreach (double item in _items)
        {
            sum += item;
        }

        return sum;
    }

    // Real products vary by about ±1 % around the nominal weight.
    private double NewItem() => Options.UnitWeightGrams * (1 + (Gaussian() * 0.005));

    private double Gaussian() => Math.Sqrt(-2.0 * Math.Log(1.0 - _random.NextDouble())) * Math.Cos(2.0 * Math.PI * _random.NextDouble());
}
