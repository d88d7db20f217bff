namespace Edge.Gateway.Shelves;

/// <summary>
/// One slot's temperature-drift model. An HX711 and its load cell shift their zero with temperature (about
/// 0.02 %FS/°C for an uncompensated bridge: a few grams per °C on a 5-20 kg shelf), so a chilled case swinging ±4 °C
/// moves a still shelf by an item's weight. The model learns the slope (g/°C) by least squares of the raw level against
/// the temperature over still samples only, with an intercept per still segment (a count change or any activity starts
/// a new one: it resets the intercept, never the slope); the pipeline subtracts the slope times the change of the
/// temperature from every reading, before the windows and the count decision, once the samples cover
/// <see cref="DetectionOptions.TemperatureMinSpread"/>.
/// </summary>
/// <remarks>
/// The compensation is incremental: each accepted reading adds slope × (its change) to <see cref="OffsetGrams"/>.
/// Whatever breaks the temperature's continuity (no reading, a faulted sensor, a jump held beyond
/// <see cref="GateHold"/>) is a new base, never a step in grams: meanwhile the pipeline's drift follower tracks the
/// still level as it does without a sensor. What the compensation adds is the readings' continuity across gaps in the
/// weight stream (a faulted HX711 while the case warms), and a level that is already right when activity starts.
/// Readings are taken at most once a second; allocation-free.
/// </remarks>
internal sealed class TemperatureDrift
{
    /// <summary>Time constant of the temperature filter: smooths the sensor's noise and steps, roughly a cell's thermal lag.</summary>
    internal const double FilterSeconds = 60;

    /// <summary>A reading further than this from the filtered temperature (plus <see cref="MaxCelsiusPerSecond"/> since the last accepted one) is a glitch.</summary>
    internal const double GateCelsius = 3;

    /// <summary>The fastest a load cell's temperature can follow a case's (far faster than a door opening moves the metal).</summary>
    internal const double MaxCelsiusPerSecond = 0.05;

    /// <summary>Readings outside the gate for this long are the new temperature (a sensor replaced or re-seated): rebased, not applied.</summary>
    internal static readonly TimeSpan GateHold = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly IShelfTemperature _source;
    private readonly string _shelfId;
    private readonly bool _apply;
    private readonly double _minSpread;
    private readonly double _maxSlope;
    private readonly double _maxSamples;

    private DateTimeOffset _lastTick = DateTimeOffset.MinValue;
    private DateTimeOffset _lastAccepted;
    private DateTimeOffset? _outsideSince;
    private double _celsius;
    private bool _based;
    private bool _valid;

    // The open segment (Welford): samples, means and co-moments of temperature and level.
    private double _n;
    private double _meanT;
    private double _meanL;
    private double _ctt;
    private double _ctl;

    // Closed segments, each about its own means (so an intercept never carries over).
    private double _pooledN;
    private double _pooledTT;
    private double _pooledTL;

    public TemperatureDrift(IShelfTemperature source, string shelfId, DetectionOptions options, int samplesPerSecond)
    {
        _source = source;
        _shelfId = shelfId;
        _apply = options.TemperatureCompensation;
        _minSpread = options.TemperatureMinSpread;
        _maxSlope = options.MaxDriftGramsPerCelsius;
        _maxSamples = 3.0 * 86_400 * samplesPerSecond; // about three days of stillness: older segments fade
    }

    /// <summary>Grams subtracted from every reading for the temperature's change since the last base.</summary>
    public double OffsetGrams { get; private set; }

    /// <summary>The filtered temperature in use, or null while there is no valid reading.</summary>
    public double? Celsius => _based ? _celsius : null;

    /// <summary>The learned slope in g/°C, bounded to ±<see cref="DetectionOptions.MaxDriftGramsPerCelsius"/>; 0 before anything is learned.</summary>
    public double GramsPerCelsius
    {
        get
        {
            double stt = _pooledTT + _ctt;
            return stt > 0 ? Math.Clamp((_pooledTL + _ctl) / stt, -_maxSlope, _maxSlope) : 0;
        }
    }

    /// <summary>The temperature spread the learned samples cover: the range of a uniform spread of the same variance.</summary>
    public double SpreadCelsius
    {
        get
        {
            double n = _pooledN + _n;
            return n > 1 ? Math.Sqrt(12 * (_pooledTT + _ctt) / n) : 0;
        }
    }

    /// <summary>True once <see cref="SpreadCelsius"/> reaches the minimum: only then is the slope applied.</summary>
    public bool Trusted => SpreadCelsius >= _minSpread;

    /// <summary>Reads the shelf's temperature when a second has passed since the last reading (called for every sample or rejection).</summary>
    public void Tick(DateTimeOffset time)
    {
        if (time >= _lastTick && time - _lastTick < Period)
        {
            return;
        }

        _lastTick = time;
        _valid = false;
        if (_source.CelsiusOf(_shelfId) is not { } c || !double.IsFinite(c) || c is < -60 or > 130)
        {
            // No reading, or one no sensor in a store gives: the next good one is a new base.
            _based = false;
            _outsideSince = null;
            return;
        }

        if (!_based)
        {
            Base(c, time);
            return;
        }

        double seconds = time > _lastAccepted ? (time - _lastAccepted).TotalSeconds : Period.TotalSeconds;
        if (Math.Abs(c - _celsius) > GateCelsius + (MaxCelsiusPerSecond * Math.Max(0, seconds - Period.TotalSeconds)))
        {
            // A glitch is neither applied nor learned; a jump that stays is a new base.
            _outsideSince ??= time;
            if (time - _outsideSince.Value >= GateHold)
            {
                Base(c, time);
            }

            return;
        }

        _outsideSince = null;
        double next = _celsius + ((c - _celsius) * (1 - Math.Exp(-seconds / FilterSeconds)));
        if (_apply && Trusted)
        {
            OffsetGrams += GramsPerCelsius * (next - _celsius);
        }

        _celsius = next;
        _lastAccepted = time;
        _valid = true;
    }

    /// <summary>Learns from one still sample's level (raw grams, before compensation) at the current temperature, if the last reading was accepted.</summary>
    public void Learn(double grams)
    {
        if (!_valid)
        {
            return;
        }

        _n++;
        double dt = _celsius - _meanT;
        _meanT += dt / _n;
        _meanL += (grams - _meanL) / _n;
        _ctt += dt * (_celsius - _meanT);
        _ctl += dt * (grams - _meanL);
    }

    /// <summary>Ends the still segment: the level may change now, so the next segment gets its own intercept.</summary>
    public void Break()
    {
        if (_n > 1)
        {
            _pooledN += _n;
            _pooledTT += _ctt;
            _pooledTL += _ctl;
            if (_pooledN > _maxSamples)
            {
                double keep = _maxSamples / _pooledN;
                _pooledN *= keep;
                _pooledTT *= keep;
                _pooledTL *= keep;
            }
        }

        _n = _meanT = _meanL = _ctt = _ctl = 0;
    }

    /// <summary>Tare or calibration: the new zero includes today's drift, so nothing is subtracted from here on (the slope stays).</summary>
    public void Rezero()
    {
        Break();
        OffsetGrams = 0;
    }

    // A new base may be a sensor that reads the cell differently (moved, replaced): its level gets its own intercept.
    private void Base(double celsius, DateTimeOffset time)
    {
        Break();
        _celsius = celsius;
        _based = true;
        _lastAccepted = time;
        _outsideSince = null;
    }
}
