using Edge.Gateway.Shelves;

namespace Edge.Bench;

/// <summary>
/// Detection latency after settle: the time from the moment a shelf is physically still again after a pick to the
/// moment the pipeline emits the event, in sample time at 10 SPS. Deterministic (seeded), so it runs anywhere.
/// </summary>
internal static class LatencyHarness
{
    public static void Run(int trials = 1000)
    {
        var cal = new Calibration(84_000, 0, 191_500, 1000);
        var random = new Random(11);
        var latencies = new List<double>();
        int missed = 0;
        int wrong = 0;
        for (int trial = 0; trial < trials; trial++)
        {
            double unit = 50 + (random.NextDouble() * 900);
            double noise = 0.2 + (random.NextDouble() * 0.4);
            int items = 2 + random.Next(3);
            ShelfEvent? seen = null;
            var t = new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
            var pipeline = new SlotPipeline(new SlotIdentity("A", "sku", unit, 0), cal, 300, new DetectionOptions(), e => seen ??= e);
            double grams = 300 + (10 * unit);
            void Feed(double g)
            {
                t = t.AddMilliseconds(100);
                double n = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                pipeline.OnSample((int)cal.ToRaw(g + (n * noise)), t);
            }

            for (int i = 0; i < 30; i++)
            {
                Feed(grams);
            }

            int wobble = 5 + random.Next(10);
            for (int i = 0; i < wobble; i++)
            {
                Feed(grams - (items * unit * i / wobble) + (150 * Math.Sin(i * 1.7)));
            }

            grams -= items * unit;
            DateTimeOffset settledAt = t;
            for (int i = 0; i < 50 && seen is null; i++)
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
        Console.WriteLine($"detection latency after settle, {trials} picks at 10 SPS (unit 50-950 g, noise 0.2-0.6 g):");
        Console.WriteLine($"  median {P(0.5):F0} ms, p95 {P(0.95):F0} ms, max {latencies[^1]:F0} ms; missed {missed}, wrong count {wrong}");
    }
}
