using BenchmarkDotNet.Attributes;
using Edge.Gateway.Shelves;

namespace Edge.Bench;

/// <summary>Shelf pipeline throughput: raw samples through calibration, spike filter, detector and decisions.</summary>
[MemoryDiagnoser]
public class PipelineBenchmarks
{
    private const int Samples = 100_000;
    private int[] _raw = [];
    private DateTimeOffset[] _times = [];

    [GlobalSetup]
    public void Setup()
    {
        var cal = new Calibration(84_000, 0, 191_500, 1000);
        var random = new Random(1);
        _raw = new int[Samples];
        _times = new DateTimeOffset[Samples];
        double grams = 350 + (10 * 120);
        var t0 = new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
        for (int i = 0; i < Samples; i++)
        {
            // A pick or put-back every 30 s, with a second of hand wobble; spikes now and then.
            int phase = i % 300;
            if (phase == 0)
            {
                grams += i % 600 == 0 ? -120 : 120;
            }

            double g = grams + (random.NextDouble() - 0.5);
            if (phase < 10)
            {
                g += 200 * Math.Sin(phase);
            }

            if (i % 997 == 0)
            {
                g += 400;
            }

            _raw[i] = (int)cal.ToRaw(g);
            _times[i] = t0.AddMilliseconds(100 * i);
        }
    }

    [Benchmark(OperationsPerInvoke = Samples)]
    public int OneSample()
    {
        int events = 0;
        var pipeline = new SlotPipeline(new SlotIdentity("A", "sku", 120, 3), new Calibration(84_000, 0, 191_500, 1000), 350, new DetectionOptions(), _ => events++);
        for (int i = 0; i < _raw.Length; i++)
        {
            pipeline.OnSample(_raw[i], _times[i]);
        }

        return events;
    }
}
