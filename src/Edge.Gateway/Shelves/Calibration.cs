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

    /// <summary>Why this calibration cannot be used, or null when it can.</summary>
    public string? Problem()
    {
        if (!double.IsFinite(RawZero) || !double.IsFinite(RawSpan) || !double.IsFinite(GramsZero) || !double.IsFinite(GramsSpan))
        {
            return "all four calibration values must be finite numbers";
        }

        if (RawSpan == RawZero)
        {
            return "the two raw readings must differ";
        }

        if (GramsSpan == GramsZero)
        {
            return "the two reference loads must differ";
        }

        return null;
    }
}
