using Edge.Gateway.Hosting;

namespace Edge.Gateway.Shelves;

/// <summary>
/// How a slot turns a weight stream into decisions. Windows are times, turned into samples at each shelf's data rate
/// (10 or 80 SPS) with a floor in samples (<see cref="DetectionWindows.For"/>). The structure follows published pick
/// detectors (variance-based activity, a stable window after it, step quantised to items) described in the HX711
/// reference notes; the default times are the shortest that the noisy-stream tests count without a wrong event.
/// </summary>
public sealed class DetectionOptions
{
    /// <summary>The keys that counted samples before the windows were times, and the key that replaces each.</summary>
    internal static readonly (string Old, string New)[] RetiredKeys =
        [("OutlierWindow", "OutlierTime"), ("StableWindow", "StableTime"), ("DriftFollow", "DriftFollowTime")];

    /// <summary>
    /// Span of the rolling median used to reject spikes while the shelf is still; a spike shorter than half of it never
    /// starts activity. At least 3 samples, odd (100 ms: a median of 3 at 10 SPS, of 9 at 80 SPS).
    /// </summary>
    public TimeSpan OutlierTime { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A sample further than this from the rolling median (and than 6 noise sigmas) is an outlier.</summary>
    public double OutlierGrams { get; set; } = 15;

    /// <summary>
    /// How long the shelf must be still before a decision, but never fewer than <see cref="StableMinSamples"/> samples.
    /// 200 ms: the shortest at which 900 generated noisy recordings at 80 SPS (three unit weights, seeds 1-300) count
    /// without a wrong event; 175 ms miscounted 12 of them (a hand pausing mid-move).
    /// </summary>
    public TimeSpan StableTime { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The fewest samples a stillness test uses, whatever the rate: a standard deviation of fewer is a guess.</summary>
    public int StableMinSamples { get; set; } = 4;

    /// <summary>
    /// Window standard deviation below which the shelf counts as still (never below 3 noise sigmas). A decision also
    /// needs the window's least-squares trend, from its oldest sample to its newest, below it.
    /// </summary>
    public double StableStdGrams { get; set; } = 1.5;

    /// <summary>A sample this far from the stable level starts activity (never below 6 noise sigmas).</summary>
    public double ActivityGrams { get; set; } = 4;

    /// <summary>Accept a step as k items when |Δ − k·unit| is within this fraction of the unit weight.</summary>
    public double ToleranceFraction { get; set; } = 0.3;

    /// <summary>An addition of at least this many items is a restock rather than a put-back.</summary>
    public int RestockMinItems { get; set; } = 3;

    /// <summary>
    /// Time constant with which a still level follows slow change (creep and drift compensation): 5 s is the former
    /// 0.02 per sample at 10 SPS.
    /// </summary>
    public TimeSpan DriftFollowTime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Subtract the learned temperature drift (g/°C times the change of the shelf's temperature, from
    /// <see cref="IShelfTemperature"/>) from the readings. Off, the drift is still learned and shown, not applied.
    /// </summary>
    public bool TemperatureCompensation { get; set; } = true;

    /// <summary>The temperature spread (°C) the still samples must cover before the learned drift is trusted and applied.</summary>
    public double TemperatureMinSpread { get; set; } = 2;

    /// <summary>The largest drift applied, in g/°C (a learned slope beyond is held at this bound).</summary>
    public double MaxDriftGramsPerCelsius { get; set; } = 20;

    /// <summary>Consecutive unusable readings before a <see cref="ShelfEventType.SensorFault"/>.</summary>
    public int FaultAfterRejected { get; set; } = 20;

    /// <summary>Consecutive good readings before a <see cref="ShelfEventType.SensorRecovered"/>.</summary>
    public int RecoverAfterGood { get; set; } = 10;

    /// <summary>
    /// Binds <c>Detection</c>, refusing a key that counted samples with a message naming the time that replaced it:
    /// an old <c>StableWindow: 8</c> must not quietly become something else at 80 SPS.
    /// </summary>
    internal static IReadOnlyList<string> Bind(IConfiguration configuration, DetectionOptions options)
    {
        IConfigurationSection section = configuration.GetSection("Detection");
        var retired = new List<string>();
        foreach ((string old, string replacement) in RetiredKeys)
        {
            if (section.GetSection(old).Exists())
            {
                retired.Add($"Detection:{old} counted samples and is no longer read: set Detection:{replacement} (a time, e.g. 00:00:00.100), which each shelf turns into samples at its data rate");
            }
        }

        return retired.Count > 0 ? retired : OptionsBinding.Bind(section, options);
    }

    /// <summary>Names the first invalid setting, prefixed with <paramref name="path"/>, or returns null.</summary>
    public string? Problem(string path)
    {
        if (OutlierTime <= TimeSpan.Zero || OutlierTime > TimeSpan.FromSeconds(1))
        {
            return $"{path}:OutlierTime must be above 0 and at most 1 s";
        }

        if (StableTime <= TimeSpan.Zero || StableTime > TimeSpan.FromSeconds(10))
        {
            return $"{path}:StableTime must be above 0 and at most 10 s";
        }

        if (StableMinSamples is < 3 or > 200)
        {
            return $"{path}:StableMinSamples must be from 3 to 200";
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

        if (DriftFollowTime < TimeSpan.FromSeconds(1) || DriftFollowTime > TimeSpan.FromHours(1))
        {
            return $"{path}:DriftFollowTime must be from 1 s to 1 h";
        }

        if (!(TemperatureMinSpread is > 0 and <= 20))
        {
            return $"{path}:TemperatureMinSpread must be above 0 and at most 20 (°C)";
        }

        if (!(MaxDriftGramsPerCelsius is > 0 and <= 1000))
        {
            return $"{path}:MaxDriftGramsPerCelsius must be above 0 and at most 1000";
        }

        if (FaultAfterRejected < 1 || RecoverAfterGood < 1)
        {
            return $"{path}:FaultAfterRejected and RecoverAfterGood must be >= 1";
        }

        return null;
    }
}

/// <summary>The detection windows of one shelf in samples, from <see cref="DetectionOptions"/> and the shelf's data rate.</summary>
/// <param name="SamplesPerSecond">The data rate they were computed for.</param>
/// <param name="OutlierSamples">Rolling-median length: odd, 3 to 31.</param>
/// <param name="StableSamples">Stillness window length.</param>
/// <param name="DriftPerSample">Fraction of the gap to the window mean the still level closes per sample.</param>
/// <param name="NoisePerSample">The same for the noise estimate (a time constant twice the drift's).</param>
public sealed record DetectionWindows(int SamplesPerSecond, int OutlierSamples, int StableSamples, double DriftPerSample, double NoisePerSample)
{
    /// <summary>The fewest samples in a rolling median: a median of 3 is the shortest that rejects a lone spike.</summary>
    public const int MinOutlierSamples = 3;

    /// <summary>Converts the times of <paramref name="options"/> at <paramref name="samplesPerSecond"/>.</summary>
    public static DetectionWindows For(DetectionOptions options, int samplesPerSecond)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(samplesPerSecond, 1);
        int outlier = Math.Clamp(Samples(options.OutlierTime, samplesPerSecond), MinOutlierSamples, 31);
        outlier |= 1; // a median needs an odd count
        int stable = Math.Clamp(Samples(options.StableTime, samplesPerSecond), options.StableMinSamples, 2000);
        double period = 1.0 / samplesPerSecond;
        return new DetectionWindows(samplesPerSecond, outlier, stable,
            1 - Math.Exp(-period / options.DriftFollowTime.TotalSeconds),
            1 - Math.Exp(-period / (2 * options.DriftFollowTime.TotalSeconds)));
    }

    /// <summary>
    /// How much wider than the spread limit a decision's trend limit is. The fitted rise of pure noise over the
    /// stillness window spreads sqrt(12(n-1)/(n(n+1))) sigmas (1.34 in 4 samples, 0.81 in 16): where that is above 1 the
    /// limit widens by it, so noise alone holds a short window's decision back no more often than it fails the spread
    /// test.
    /// </summary>
    public double RiseFactor => Math.Max(1, Math.Sqrt(12.0 * (StableSamples - 1) / (StableSamples * (StableSamples + 1.0))));

    /// <summary>How long the stillness window lasts at this rate.</summary>
    public TimeSpan StableSpan => TimeSpan.FromSeconds((double)StableSamples / SamplesPerSecond);

    private static int Samples(TimeSpan span, int samplesPerSecond) => (int)Math.Round(span.TotalSeconds * samplesPerSecond, MidpointRounding.AwayFromZero);
}
