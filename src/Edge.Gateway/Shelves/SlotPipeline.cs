namespace Edge.Gateway.Shelves;

/// <summary>
/// Turns one slot's raw readings into item counts and shelf events: calibration and tare, spike rejection,
/// activity and settle detection, quantisation of the settled step to whole items, and drift/creep following
/// while the shelf is still, after temperature-drift compensation (<see cref="TemperatureDrift"/>).
/// Single-threaded: the slot's reader calls it. Allocates only when it emits.
/// </summary>
public sealed class SlotPipeline
{
    private SlotIdentity _slot;
    private readonly DetectionOptions _o;
    private readonly Action<ShelfEvent> _emit;
    private readonly SpikeFilter _spikes;
    private readonly StillWindow _window;
    private readonly TemperatureDrift _drift;
    private readonly double _riseFactor;

    private Calibration _calibration;
    private double _tare;
    private Phase _phase = Phase.Acquiring;
    private bool _hasReference;
    private double _reference;
    private double _stableLevel;
    private double _levelBefore;
    private double _noise;
    private double _anchorLevel;
    private DateTimeOffset _anchorTime;
    private bool _faulted;
    private int _bad;
    private int _good;

    /// <summary>Creates the pipeline for a slot.</summary>
    /// <param name="slot">Identity, unit weight and low-stock threshold.</param>
    /// <param name="calibration">Raw-to-grams calibration.</param>
    /// <param name="tareGrams">Gross grams of the empty tray.</param>
    /// <param name="options">Detection settings (shared between slots; not modified).</param>
    /// <param name="emit">Receives every event, on the caller's thread.</param>
    /// <param name="samplesPerSecond">The shelf's data rate, which turns the options' times into samples.</param>
    /// <param name="temperature">The shelf's temperature for drift compensation; null: none.</param>
    public SlotPipeline(SlotIdentity slot, Calibration calibration, double tareGrams, DetectionOptions options, Action<ShelfEvent> emit, int samplesPerSecond = 10, IShelfTemperature? temperature = null)
    {
        _slot = slot ?? throw new ArgumentNullException(nameof(slot));
        _o = options ?? throw new ArgumentNullException(nameof(options));
        _emit = emit ?? throw new ArgumentNullException(nameof(emit));
        if (!(slot.UnitWeightGrams > 0))
        {
            throw new ArgumentException($"Unit weight of {slot.ShelfId} must be > 0.", nameof(slot));
        }

        _calibration = calibration ?? throw new ArgumentNullException(nameof(calibration));
        _tare = tareGrams;
        Windows = DetectionWindows.For(options, samplesPerSecond);
        _spikes = new SpikeFilter(Windows.OutlierSamples);
        _window = new StillWindow(Windows.StableSamples);
        _riseFactor = Windows.RiseFactor; // read per sample: kept, not recomputed
        _noise = options.StableStdGrams / 3;
        _drift = new TemperatureDrift(temperature ?? NoShelfTemperature.Instance, slot.ShelfId, options, samplesPerSecond);
    }

    private enum Phase
    {
        Acquiring,
        Still,
        Active,
    }

    /// <summary>The windows in samples at this shelf's data rate.</summary>
    public DetectionWindows Windows { get; }

    /// <summary>The slot this pipeline counts.</summary>
    public SlotIdentity Slot => _slot;

    /// <summary>Items on the slot.</summary>
    public int Count { get; private set; }

    /// <summary>True once a count has been established (restored or measured).</summary>
    public bool HasCount => _hasReference;

    /// <summary>Net grams of the last still level as the scale reads it (tare removed, drift followed, temperature compensation added back: what a restart compares with).</summary>
    public double LevelGrams => _stableLevel + _drift.OffsetGrams;

    /// <summary>Gross grams of the empty tray.</summary>
    public double TareGrams => _tare;

    /// <summary>The calibration in use.</summary>
    public Calibration Calibration => _calibration;

    /// <summary>How far the still level has drifted since the last decision, in grams.</summary>
    public double DriftGrams => _phase == Phase.Still ? _stableLevel - _anchorLevel : 0;

    /// <summary>Learned temperature drift of the still level in g/°C (0 until learned; bounded by <see cref="DetectionOptions.MaxDriftGramsPerCelsius"/>).</summary>
    public double DriftGramsPerCelsius => _drift.GramsPerCelsius;

    /// <summary>True once the learned drift rests on a wide enough temperature spread; only then is it applied.</summary>
    public bool DriftCompensationTrusted => _drift.Trusted;

    /// <summary>The shelf's temperature as the compensation uses it (filtered), or null without a valid reading.</summary>
    public double? Celsius => _drift.Celsius;

    /// <summary>Grams subtracted from the readings for the temperature's change (since the last tare, calibration or start).</summary>
    public double TemperatureCompensationGrams => _drift.OffsetGrams;

    /// <summary>Estimated noise (standard deviation) of a still shelf, in grams.</summary>
    public double NoiseGrams => _noise;

    /// <summary>The last seconds of raw readings, for calibration with live readings (the sampler feeds it).</summary>
    public LiveReading Live { get; } = new();

    /// <summary>Samples rejected as spikes.</summary>
    public long Outliers { get; private set; }

    /// <summary>Current status.</summary>
    public SlotStatus Status => _faulted ? SlotStatus.Faulted
        : !_hasReference ? SlotStatus.Starting
        : Count == 0 ? SlotStatus.Out
        : Count <= _slot.LowStockThreshold ? SlotStatus.Low
        : SlotStatus.Ok;

    /// <summary>Raised after the count, level or status changed (not for every sample).</summary>
    public event Action<SlotPipeline>? StateChanged;

    /// <summary>Changes the low-stock threshold (a live setting from the cloud); the status follows at once.</summary>
    public void SetLowStockThreshold(int threshold)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threshold);
        _slot = _slot with { LowStockThreshold = threshold };
        StateChanged?.Invoke(this);
    }

    /// <summary>Restores the persisted count and level; the first still window is compared with it, so a change made while the gateway was off is still reported.</summary>
    public void Restore(int count, double levelGrams)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Count = count;
        _hasReference = true;
        _reference = levelGrams - _drift.OffsetGrams;
        _stableLevel = _reference;
        _phase = Phase.Acquiring;
    }

    /// <summary>Feeds one usable raw reading.</summary>
    public void OnSample(int raw, DateTimeOffset time)
    {
        double measured = _calibration.ToGrams(raw) - _tare;
        _drift.Tick(time);
        double x = measured - _drift.OffsetGrams;
        _bad = 0;
        if (_faulted && ++_good >= _o.RecoverAfterGood)
        {
            _faulted = false;
            Emit(ShelfEventType.SensorRecovered, Count, Count, 0, 1, time, null);
            StateChanged?.Invoke(this);
        }

        if (_faulted)
        {
            return;
        }

        // Spikes are dropped only while the shelf is (or is becoming) still, where one would start activity for
        // nothing. Once active every sample goes to the window: a spike there can only keep the window from being
        // still, and not waiting for the median to confirm each sample saves half the median's span per decision.
        bool spike = _spikes.IsSpike(x, Math.Max(_o.OutlierGrams, 6 * _noise));
        if (spike && _phase != Phase.Active)
        {
            Outliers++;
            return;
        }

        if (!_window.Add(x))
        {
            return;
        }

        (double mean, double std, double rise) = _window.Stats();
        double stillStd = Math.Max(_o.StableStdGrams, 3 * _noise);
        bool still = std < stillStd;
        // Settled: still, and no trend across the window that its spread would hide (a hand slowing to a pause mid-move
        // fits a short window's spread; its slope does not). Only a decision waits for this: whether a still shelf
        // became active is judged by spread alone, so the trend's noise never breaks a still stretch.
        bool settled = still && Math.Abs(rise) < stillStd * _riseFactor;
        switch (_phase)
        {
            case Phase.Acquiring when settled:
                _stableLevel = mean;
                _phase = Phase.Still;
                Anchor(time);
                if (_hasReference)
                {
                    Decide(mean - _reference, time);
                }
                else
                {
                    Count = Math.Max(0, (int)Math.Round(mean / _slot.UnitWeightGrams, MidpointRounding.AwayFromZero));
                    _hasReference = true;
                }

                StateChanged?.Invoke(this);
                break;

            case Phase.Still when Math.Abs(x - _stableLevel) > Math.Max(_o.ActivityGrams, 6 * _noise) || !still:
                _levelBefore = _stableLevel;
                _phase = Phase.Active;
                _drift.Break();
                if (settled)
                {
                    // The window is still, at another level than the one held (taken too early, in the tail of a hand's
                    // wobble): it is the settled level already, and waiting one more sample would only add latency.
                    Settle(mean, time);
                }

                break;

            case Phase.Still:
                // Creep and temperature drift are slow: while nothing happens the level follows them, so a day of
                // creep never accumulates into a step.
                _stableLevel += Windows.DriftPerSample * (mean - _stableLevel);
                _noise += Windows.NoisePerSample * (std - _noise);
                _drift.Learn(measured);
                break;

            case Phase.Active when settled:
                Settle(mean, time);
                break;
        }
    }

    private void Settle(double mean, DateTimeOffset time)
    {
        _stableLevel = mean;
        _phase = Phase.Still;
        Decide(mean - _levelBefore, time);
        Anchor(time);
        StateChanged?.Invoke(this);
    }

    /// <summary>Feeds one unusable reading (timeout, garbled, timing violation, saturation).</summary>
    /// <param name="reason">Why it was unusable, for the fault event.</param>
    /// <param name="chipMissing">True when the chip did not answer at all: that faults at once.</param>
    /// <param name="time">When.</param>
    public void OnRejected(string reason, bool chipMissing, DateTimeOffset time)
    {
        _drift.Tick(time); // the compensation follows the temperature through the gap, so recovery compares like with like
        _good = 0;
        if (_faulted || (++_bad < _o.FaultAfterRejected && !chipMissing))
        {
            return;
        }

        _faulted = true;
        Emit(ShelfEventType.SensorFault, Count, Count, 0, 1, time, reason);
        // Whatever happens during the fault is judged against the last still level once readings return.
        Reacquire(keepReference: _hasReference, _stableLevel);
        StateChanged?.Invoke(this);
    }

    /// <summary>
    /// Sets the tare to the current still load, so that load reads 0 g and 0 items. Idempotent: a second tare
    /// at the same load changes nothing.
    /// </summary>
    /// <returns>The new tare in gross grams, or null if <see cref="TareRefusal"/> gives a reason (nothing changed).</returns>
    public double? Tare()
    {
        if (TareRefusal() is not null)
        {
            return null;
        }

        _tare += LevelGrams;
        _drift.Rezero();
        Count = 0;
        Reacquire(keepReference: true, 0);
        StateChanged?.Invoke(this);
        return _tare;
    }

    /// <summary>
    /// Why the slot cannot be tared now, or null when it can: it must be still, not faulted, and empty (a tare with
    /// items on the tray would make them count as the tray).
    /// </summary>
    public string? TareRefusal() =>
        _faulted ? "is faulted"
        : _phase != Phase.Still ? "is not still; try again when nothing is moving"
        : _hasReference && Count > 0 ? $"holds {Count} items; empty it before taring"
        : null;

    /// <summary>Replaces the calibration and tare; the count is measured afresh from the absolute weight.</summary>
    public void Recalibrate(Calibration calibration, double tareGrams)
    {
        _calibration = calibration ?? throw new ArgumentNullException(nameof(calibration));
        _tare = tareGrams;
        _drift.Rezero();
        Reacquire(keepReference: false, 0);
        StateChanged?.Invoke(this);
    }

    private void Reacquire(bool keepReference, double reference)
    {
        _hasReference = keepReference;
        _reference = reference;
        _stableLevel = reference;
        _phase = Phase.Acquiring;
        _window.Clear();
        _spikes.Clear();
        _drift.Break();
    }

    private void Anchor(DateTimeOffset time)
    {
        _anchorLevel = _stableLevel;
        _anchorTime = time;
    }

    /// <summary>Estimated creep in grams per hour since the last decision (0 until ten minutes of stillness).</summary>
    public double CreepGramsPerHour(DateTimeOffset now)
    {
        double hours = (now - _anchorTime).TotalHours;
        return _phase == Phase.Still && hours >= 1.0 / 6 ? DriftGrams / hours : 0;
    }

    private void Decide(double delta, DateTimeOffset time)
    {
        double unit = _slot.UnitWeightGrams;
        double tolerance = _o.ToleranceFraction * unit;
        int items = (int)Math.Round(delta / unit, MidpointRounding.AwayFromZero);
        double residual = delta - (items * unit);
        int before = Count;

        if (items == 0 && Math.Abs(delta) <= tolerance)
        {
            return; // jostled, nothing taken or added
        }

        if (items == 0 || Math.Abs(residual) > tolerance)
        {
            Emit(ShelfEventType.UnknownChange, before, before, delta, 0, time,
                $"{delta:F1} g is not a whole number of {unit:F1} g items");
            return;
        }

        double confidence = 1 - (Math.Abs(residual) / tolerance);
        int after = before + items;
        string? detail = null;
        if (after < 0)
        {
            // More left the shelf than was counted: the count was wrong. Trust the scale, and say so.
            detail = $"{-items} removed but only {before} were counted";
            confidence *= 0.5;
            after = 0;
        }

        Count = after;
        ShelfEventType type = items < 0 ? ShelfEventType.ItemsRemoved
            : items >= _o.RestockMinItems ? ShelfEventType.Restocked
            : ShelfEventType.ItemsAdded;
        Emit(type, before, after, delta, confidence, time, detail);

        if (after == 0 && before > 0)
        {
            Emit(ShelfEventType.OutOfStock, before, after, 0, 1, time, null);
        }
        else if (after > 0 && after <= _slot.LowStockThreshold && before > _slot.LowStockThreshold)
        {
            Emit(ShelfEventType.LowStock, before, after, 0, 1, time, null);
        }
    }

    private void Emit(ShelfEventType type, int before, int after, double grams, double confidence, DateTimeOffset time, string? detail)
        => _emit(new ShelfEvent
        {
            Type = type,
            ShelfId = _slot.ShelfId,
            Sku = _slot.Sku,
            CountBefore = before,
            CountAfter = after,
            Grams = Math.Round(grams, 1),
            Confidence = Math.Round(confidence, 3),
            Timestamp = time,
            Detail = detail,
        });
}
