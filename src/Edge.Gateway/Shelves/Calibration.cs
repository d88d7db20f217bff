namespace Edge.Gateway.Shelves;

/// <summary>
/// Two-point calibration of a load cell: two raw readings and the known loads they were taken at.
/// Usually point 0 is the empty tray (0 g) and point 1 a reference weight.
/// </summary>
public sealed record Calibration(double RawZero, double GramsZero, double RawSpan, double GramsSpan)
{
    /// <summary>Grams per ADC count; negative when the cell is wired the other way round, which is fine.</summary>
    public double GramsPerCount => (GramsSpan - GramsZero) / (RawSpan - RawZero);

    /// <summary>Converts a raw code to grams on the scale (before tare).</summary>
    public double ToGrams(double raw) => GramsZero + ((raw - RawZero) * GramsPerCount);

    /// <summary>Converts grams back to the raw code the cell would read (used by the simulator).</summary>
    public double ToRaw(double grams) => RawZero + ((grams - GramsZero) / GramsPerCount);

    /// <summary>The HX711's output range: a 24-bit two's-complement code.</summary>
    public const double MinCode = -8_388_608;

    /// <summary>The largest HX711 code.</summary>
    public const double MaxCode = 8_388_607;

    /// <summary>
    /// Smallest plausible grams per count, in magnitude. A 100 g cell of 3 mV/V at 5 V gives about 1.6e-5 g per count
    /// at gain 128 and a 500 kg cell of 1 mV/V at 3.3 V about 0.4 g per count; a calibration far outside that
    /// range (a factor of 10 or more) is a typing mistake, not a load cell.
    /// </summary>
    public const double MinGramsPerCount = 1e-6;

    /// <summary>See <see cref="MinGramsPerCount"/>.</summary>
    public const double MaxGramsPerCount = 10;

    /// <summary>Largest reference load accepted, in grams (one tonne).</summary>
    public const double MaxGrams = 1_000_000;

    /// <summary>Why this calibration cannot be used, or null when it can.</summary>
    public string? Problem()
    {
        if (!double.IsFinite(RawZero) || !double.IsFinite(RawSpan) || !double.IsFinite(GramsZero) || !double.IsFinite(GramsSpan))
        {
            return "all four calibration values must be finite numbers";
        }

        if (RawZero is < MinCode or > MaxCode || RawSpan is < MinCode or > MaxCode)
        {
            return $"raw readings must be HX711 codes from {MinCode} to {MaxCode}";
        }

        if (RawSpan == RawZero)
        {
            return "the two raw readings must differ";
        }

        if (Math.Abs(GramsZero) > MaxGrams || Math.Abs(GramsSpan) > MaxGrams)
        {
            return $"reference loads must be within ±{MaxGrams} g";
        }

        if (GramsSpan == GramsZero)
        {
            return "the two reference loads must differ";
        }

        double perCount = Math.Abs(GramsPerCount);
        if (perCount is < MinGramsPerCount or > MaxGramsPerCount)
        {
            return $"{perCount:G3} g per count is not a load cell behind an HX711 (expected {MinGramsPerCount:G1} to {MaxGramsPerCount:G2})";
        }

        return null;
    }
}
