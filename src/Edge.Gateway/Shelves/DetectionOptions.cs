namespace Edge.Gateway.Shelves;

/// <summary>
/// How a slot turns a weight stream into decisions. Windows are in samples (10 per second at the HX711's
/// 10 SPS). The defaults follow the structure of published pick detectors (variance-based activity, a stable
/// window after it, step quantised to items) described in the HX711 reference notes.
/// </summary>
public sealed class DetectionOptions
{
    /// <summary>Samples in the rolling median used to reject spikes; a spike shorter than half of it never reaches the detector.</summary>
    public int OutlierWindow { get; set; } = 5;

    /// <summary>A sample further than this from the rolling median (and than 6 noise sigmas) is an outlier.</summary>
    public double OutlierGrams { get; set; } = 15;

    /// <summary>Samples over which stability is judged (0.8 s at 10 SPS).</summary>
    public int StableWindow { get; set; } = 8;

    /// <summary>Window standard deviation below which the shelf counts as still (never below 3 noise sigmas).</summary>
    public double StableStdGrams { get; set; } = 1.5;

    /// <summary>A sample this far from the stable level starts activity (never below 6 noise sigmas).</summary>
    public double ActivityGrams { get; set; } = 4;

    /// <summary>Accept a step as k items when |Δ − k·unit| is within this fraction of the unit weight.</summary>
    public double ToleranceFraction { get; set; } = 0.3;

    /// <summary>An addition of at least this many items is a restock rather than a put-back.</summary>
    public int RestockMinItems { get; set; } = 3;

    /// <summary>While still, the stable level follows slow change with this weight per sample (creep and drift compensation).</summary>
    public double DriftFollow { get; set; } = 0.02;

    /// <summary>Consecutive unusable readings before a <see cref="ShelfEventType.SensorFault"/>.</summary>
    public int FaultAfterRejected { get; set; } = 20;

    /// <summary>Consecutive good readings before a <see cref="ShelfEventType.SensorRecovered"/>.</summary>
    public int RecoverAfterGood { get; set; } = 10;

    /// <summary>Names the first invalid setting, prefixed with <paramref name="path"/>, or returns null.</summary>
    public string? Problem(string path)
    {
        if (OutlierWindow is < 1 or > 31 || OutlierWindow % 2 == 0)
        {
            return $"{path}:OutlierWindow must be an odd number from 1 to 31";
        }

        if (StableWindow is < 3 or > 200)
        {
            return $"{path}:StableWindow must be from 3 to 200";
        }

        if (!(OutlierGrams > 0))
        {
            return $"{path}:OutlierGrams must be > 0";
        }

        if (!(StableStdGrams > 0))
        {
            return $"{path}:StableStdGrams must be > 0";
        }

        if (!(ActivityGrams > 0))
        {
            return $"{path}:ActivityGrams must be > 0";
        }

        if (!(ToleranceFraction is > 0 and < 0.5))
        {
            return $"{path}:ToleranceFraction must be > 0 and < 0.5";
        }

        if (RestockMinItems < 1)
        {
            return $"{path}:RestockMinItems must be >= 1";
        }

        if (!(DriftFollow is > 0 and < 1))
        {
            return $"{path}:DriftFollow must be > 0 and < 1";
        }

        if (FaultAfterRejected < 1 || RecoverAfterGood < 1)
        {
            return $"{path}:FaultAfterRejected and RecoverAfterGood must be >= 1";
        }

        return null;
    }
}
