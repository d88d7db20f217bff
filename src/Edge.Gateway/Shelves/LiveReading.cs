namespace Edge.Gateway.Shelves;

/// <summary>
/// The last few seconds of one shelf's raw readings, for a technician calibrating it: the mean code, its spread, and
/// how long the readings have stayed within <see cref="BandGrams"/> of the newest ones. Written by the bus thread,
/// read by HTTP requests; a lock keeps the pair consistent (a few hundred samples, read a few times a second).
/// </summary>
public sealed class LiveReading
{
    /// <summary>Samples kept: 12 s at 80 SPS, 100 s at 10 SPS.</summary>
    public const int Capacity = 1024;

    /// <summary>Readings within this many grams of the newest second's mean count as the same load.</summary>
    public const double BandGrams = 2.0;

    private readonly Lock _lock = new();
    private readonly int[] _raw = new int[Capacity];
    private readonly DateTimeOffset[] _at = new DateTimeOffset[Capacity];
    private int _count;
    private int _next;

    /// <summary>Records one accepted reading.</summary>
    public void Add(int raw, DateTimeOffset at)
    {
        lock (_lock)
        {
            _raw[_next] = raw;
            _at[_next] = at;
            _next = (_next + 1) % Capacity;
            _count = Math.Min(_count + 1, Capacity);
        }
    }

    /// <summary>Forgets everything (the chip was reset or the shelf recalibrated).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _count = 0;
            _next = 0;
        }
    }

    /// <summary>
    /// The reading now: mean and standard deviation of the last second's codes, and for how long every reading has
    /// been within <see cref="BandGrams"/> of that mean (converted with <paramref name="calibration"/>). Null before
    /// the first reading, or when the newest reading is older than <paramref name="staleAfter"/>.
    /// </summary>
    public RawSnapshot? Snapshot(Calibration calibration, DateTimeOffset now, TimeSpan staleAfter)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        lock (_lock)
        {
            if (_count == 0 || now - _at[Index(0)] > staleAfter)
            {
                return null;
            }

            DateTimeOffset newest = _at[Index(0)];
            double sum = 0, sumSq = 0;
            int n = 0;
            for (int i = 0; i < _count && newest - _at[Index(i)] <= TimeSpan.FromSeconds(1); i++, n++)
            {
                sum += _raw[Index(i)];
                sumSq += (double)_raw[Index(i)] * _raw[Index(i)];
            }

            double mean = sum / n;
            double std = Math.Sqrt(Math.Max(0, (sumSq / n) - (mean * mean)));
            double band = BandGrams / Math.Abs(calibration.GramsPerCount);
            DateTimeOffset since = newest;
            for (int i = 0; i < _count && Math.Abs(_raw[Index(i)] - mean) <= band; i++)
            {
                since = _at[Index(i)];
            }

            return new RawSnapshot(mean, std, n, newest - since, newest);
        }
    }

    // i = 0 is the newest sample.
    private int Index(int i) => (_next - 1 - i + (2 * Capacity)) % Capacity;
}

/// <summary>One shelf's live raw reading.</summary>
/// <param name="Raw">Mean HX711 code over the last second.</param>
/// <param name="RawStd">Its standard deviation, in codes.</param>
/// <param name="Samples">Readings in that second.</param>
/// <param name="Stable">How long the readings have stayed within <see cref="LiveReading.BandGrams"/> of <paramref name="Raw"/>.</param>
/// <param name="At">When the newest reading was taken.</param>
public sealed record RawSnapshot(double Raw, double RawStd, int Samples, TimeSpan Stable, DateTimeOffset At);

/// <summary>
/// A guided calibration's arithmetic: the empty shelf, a known load, and a second known load to verify with. The
/// verification error is how far the new calibration puts the second load from its true weight, in percent.
/// </summary>
public sealed record CalibrationRun(double RawEmpty, double RawKnown, double KnownGrams, double RawVerify, double VerifyGrams)
{
    /// <summary>The default largest verification error accepted, in percent (<c>--max-error</c>).</summary>
    public const double DefaultMaxErrorPercent = 1.0;

    /// <summary>The calibration the first two steps give: 0 g at the empty shelf, the known load at its reading.</summary>
    public Calibration Calibration => new(RawEmpty, 0, RawKnown, KnownGrams);

    /// <summary>What the new calibration reads for the verification load, in grams.</summary>
    public double MeasuredVerifyGrams => Calibration.ToGrams(RawVerify);

    /// <summary>The verification error in percent of the verification load.</summary>
    public double ErrorPercent => Math.Abs(MeasuredVerifyGrams - VerifyGrams) / VerifyGrams * 100;

    /// <summary>Why these figures cannot be a calibration, naming the field, or null when they can.</summary>
    public string? Problem()
    {
        if (!(KnownGrams > 0) || KnownGrams > Shelves.Calibration.MaxGrams)
        {
            return $"knownGrams must be a weight from above 0 to {Shelves.Calibration.MaxGrams} g";
        }

        if (!(VerifyGrams > 0) || VerifyGrams > Shelves.Calibration.MaxGrams)
        {
            return $"verifyGrams must be a weight from above 0 to {Shelves.Calibration.MaxGrams} g";
        }

        if (!double.IsFinite(RawVerify) || RawVerify is < Shelves.Calibration.MinCode or > Shelves.Calibration.MaxCode)
        {
            return "rawVerify must be an HX711 code";
        }

        return Calibration.Problem() is { } p ? "rawEmpty/rawKnown: " + p : null;
    }
}
