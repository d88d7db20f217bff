using Edge.Gateway.Shelves;

namespace Edge.Gateway.Tests.Shelves;

/// <summary>Generates a load cell's raw stream at 10 SPS and feeds it to a pipeline, as a shelf would.</summary>
internal sealed class ShelfSignal
{
    public static readonly Calibration Cal = new(RawZero: 84_000, GramsZero: 0, RawSpan: 84_000 + (1000 * 107.5), GramsSpan: 1000);

    private readonly Random _random;
    private readonly SlotPipeline _pipeline;

    public ShelfSignal(SlotPipeline pipeline, double grossGrams, double noiseGrams = 0.4, int seed = 7)
    {
        _pipeline = pipeline;
        Grams = grossGrams;
        NoiseGrams = noiseGrams;
        _random = new Random(seed);
    }

    public DateTimeOffset Time { get; private set; } = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    public double Grams { get; set; }

    public double NoiseGrams { get; set; }

    /// <summary>Grams per hour of slow drift (creep) added to the load.</summary>
    public double CreepPerHour { get; set; }

    public void Hold(TimeSpan duration)
    {
        int samples = (int)(duration.TotalSeconds * 10);
        for (int i = 0; i < samples; i++)
        {
            Feed(Grams);
        }
    }

    /// <summary>A hand takes or puts weight: a second of pressing and wobble, then the new load.</summary>
    public void Step(double deltaGrams)
    {
        for (int i = 0; i < 10; i++)
        {
            Feed(Grams + (deltaGrams * i / 10) + (250 * Math.Sin(i)) + 120);
        }

        Grams += deltaGrams;
    }

    public void Spike(double grams) => Feed(Grams + grams);

    private void Feed(double grams)
    {
        Time += TimeSpan.FromMilliseconds(100);
        Grams += CreepPerHour / 36_000;
        double g = grams + (Gaussian() * NoiseGrams);
        _pipeline.OnSample((int)Math.Round(Cal.ToRaw(g)), Time);
    }

    private double Gaussian() => Math.Sqrt(-2.0 * Math.Log(1.0 - _random.NextDouble())) * Math.Cos(2.0 * Math.PI * _random.NextDouble());
}
