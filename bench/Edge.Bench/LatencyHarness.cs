using Edge.Gateway.Shelves;

namespace Edge.Bench;

/// <summary>
/// Detection latency after settle, per HX711 data rate: the time from the moment a shelf is physically still again
/// after a pick to the moment the pipeline emits the event, in sample time at 10 and at 80 SPS, with the default
/// detection options. Deterministic (seeded), so it runs anywhere. Goal: 500 ms at 10 SPS, 100 ms at 80 SPS.
/// </summary>
internal static class LatencyHarness
{
    public static void Run(int trials = 1000)
    {
        foreach ((int rate, double goalMs) in new[] { (10, 500.0), (80, 100.0) })
        {
            RunAt(rate, goalMs, trials);
        }
    }

    private static void RunAt(int rate, double goalMs, int trials)
    {
        var cal = new Calibration(84_000, 0, 191_500, 1000);
        var random = new Random(11);
        var latencies = new List<double>();
        int missed = 0;
        int wrong = 0;
        double period = 1000.0 / rate;
        // The chip's noise grows with the rate (50 nV at 10 SPS, 90 nV at 80).
        double noiseScale = rate >= 80 ? 1.8 : 1;
        DetectionWindows windows = DetectionWindows.For(new DetectionOptions(), rate);
        for (int trial = 0; trial < trials; trial++)
        {
            double unit = 50 + (random.NextDouble() * 900);
            double noise = (0.2 + (random.NextDouble() * 0.4)) * noiseScale;
            int items = 2 + random.Next(3);
            ShelfEvent? seen = null;
            var t = new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
            var pipeline = new SlotPipeline(new SlotIdentity("A", "sku", unit, 0), cal, 300, new DetectionOptions(), e => seen ??= e, rate);
            double grams = 300 + (10 * unit);
            void Feed(double g)
            {
                t = t.AddMilliseconds(period);
                double n = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                pipeline.OnSample((int)cal.ToRaw(g + (n * noise)), t);
            }

            for (int i = 0; i < 3 * rate; i++)
            {
                Feed(grams);
            }

            // The hand: 0.5-1.5 s of wobble (a 2.7 Hz swing of 150 g) while the load moves, as at 10 SPS before.
            int wobble = (int)((0.5 + random.NextDouble()) * rate);
            for (int i = 0; i < wobble; i++)
            {
                double s = (double)i / rate;
                Feed(grams - (items * unit * i / wobble) + (150 * Math.Sin(s * 17)));
            }

            grams -= items * unit;
            DateTimeOffset settledAt = t;
            for (int i = 0; i < 5 * rate && seen is null; i++)
            {
                Feed(grams);
            }

            if (seen is null)
            {
                missed++;
                continue;
            }

            if (seen.CountAfter != 10 - items)
            {
                wrong++;
            }

            latencies.Add((seen.Timestamp - settledAt).TotalMilliseconds);
        }

        latencies.Sort();
        double P(double q) => latencies[(int)Math.Min(latencies.Count - 1, q * latencies.Count)];
        Console.WriteLine($"detection latency after settle, {trials} picks at {rate} SPS (unit 50-950 g, noise {0.2 * noiseScale:F2}-{0.6 * noiseScale:F2} g; stillness window {windows.StableSamples} samples = {windows.StableSpan.TotalMilliseconds:F0} ms):");
        Console.WriteLine($"  median {P(0.5):F0} ms, p95 {P(0.95):F0} ms, max {latencies[^1]:F0} ms; missed {missed}, miscounted {wrong}; goal {goalMs:F0} ms, p95/goal {P(0.95) / goalMs:F2}");
    }
}
