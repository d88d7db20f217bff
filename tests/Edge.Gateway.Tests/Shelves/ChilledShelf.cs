using Edge.Gateway.Shelves;

namespace Edge.Gateway.Tests.Shelves;

/// <summary>
/// A shelf in a chilled case at 10 SPS: the load cell's zero drifts <see cref="GramsPerCelsius"/> with the case's
/// temperature (taken as the cell's own: no thermal lag), which it also serves as the case's sensor would.
/// </summary>
internal sealed class ChilledShelf : IShelfTemperature
{
    public const double ReferenceCelsius = 4;

    private readonly Random _random;

    public ChilledShelf(double grossGrams, double gramsPerCelsius, int seed = 11)
    {
        Grams = grossGrams;
        GramsPerCelsius = gramsPerCelsius;
        _random = new Random(seed);
    }

    public static DateTimeOffset Midnight { get; } = new(2026, 7, 1, 0, 0, 0, TimeSpan.Zero);

    public SlotPipeline Pipeline { get; set; } = null!;

    public DateTimeOffset Time { get; private set; } = Midnight;

    public TimeSpan Elapsed => Time - Midnight;

    /// <summary>Gross grams on the cell, without the drift.</summary>
    public double Grams { get; set; }

    public double GramsPerCelsius { get; set; }

    public double NoiseGrams { get; set; } = 0.4;

    /// <summary>The case's temperature over time; ±4 °C about 4 °C every 6 hours (four defrost-like swings a day) unless replaced.</summary>
    public Func<TimeSpan, double> Case { get; set; } = t => ReferenceCelsius + (4 * Math.Sin(2 * Math.PI * t.TotalHours / 6));

    /// <summary>While true the sensor is faulted (null).</summary>
    public bool SensorFaulted { get; set; }

    /// <summary>What the sensor says instead of the truth, while set (a glitch, NaN, an impossible value).</summary>
    public double? Override { get; set; }

    public double Celsius => Case(Elapsed);

    public double? CelsiusOf(string shelfId) => SensorFaulted ? null : Override ?? Celsius;

    public void Hold(TimeSpan duration)
    {
        DateTimeOffset until = Time + duration;
        while (Time < until)
        {
            Feed(Grams);
        }
    }

    /// <summary>Holds until <paramref name="sinceMidnight"/>.</summary>
    public void HoldUntil(TimeSpan sinceMidnight) => Hold(Midnight + sinceMidnight - Time);

    /// <summary>A hand takes or puts weight: a second of pressing and wobble, then the new load.</summary>
    public void Step(double deltaGrams)
    {
        for (int i = 0; i < 10; i++)
        {
            Feed(Grams + (deltaGrams * i / 10) + (250 * Math.Sin(i)) + 120);
        }

        Grams += deltaGrams;
    }

    /// <summary>The HX711 does not answer for <paramref name="duration"/>: the bus retries (and reports) once a second.</summary>
    public void Outage(TimeSpan duration)
    {
        DateTimeOffset until = Time + duration;
        while (Time < until)
        {
            Time += TimeSpan.FromSeconds(1);
            Pipeline.OnRejected("HX711 not responding (DOUT never went low)", chipMissing: true, Time);
        }
    }

    private void Feed(double grams)
    {
        Time += TimeSpan.FromMilliseconds(100);
        double g = grams + (GramsPerCelsius * (Celsius - ReferenceCelsius)) + (Gaussian() * NoiseGrams);
        Pipeline.OnSample((int)Math.Round(ShelfSignal.Cal.ToRaw(g)), Time);
    }

    private double Gaussian() => Math.Sqrt(-2.0 * Math.Log(1.0 - _random.NextDouble())) * Math.Cos(2.0 * Math.PI * _random.NextDouble());
}
