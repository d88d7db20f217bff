using BenchmarkDotNet.Attributes;
using Edge.Promotions;

namespace Edge.Bench;

/// <summary>The promotion engine: one product against 10 candidate promotions (windows, a daypart, exclusive and stacked).</summary>
[MemoryDiagnoser]
public class PromotionBenchmarks
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
    private static readonly DateTimeOffset At = new(2026, 12, 4, 18, 30, 0, TimeSpan.FromHours(9));
    private readonly Product _product = new("4901005202078", 1280, "JPY", "snacks", 500);
    private readonly int[] _applied = new int[10];
    private Promotion[] _promotions = [];

    [GlobalSetup]
    public void Setup() => _promotions = [.. Enumerable.Range(0, 10).Select(i => new Promotion
    {
        Id = "P" + i,
        Skus = new HashSet<string>(StringComparer.Ordinal) { i % 2 == 0 ? "4901005202078" : "other" },
        Category = i % 2 == 1 ? "snacks" : null,
        Discount = new Discount((DiscountType)(i % 3), i % 3 == 0 ? 5 + i : 10 * i),
        Channels = i == 9 ? Channels.Online : Channels.All,
        Priority = i % 4,
        Stackable = i != 3,
        Start = At.AddDays(-1),
        End = i == 7 ? At.AddMinutes(-1) : At.AddDays(1),
        Dayparts = i == 5 ? [new Daypart(Days.Fri | Days.Sat, new TimeOnly(17, 0), new TimeOnly(20, 0))] : null,
    })];

    [Benchmark]
    public long EvaluateTenCandidates() => PromotionEngine.Evaluate(_product, At, Channel.Store, Tokyo, _promotions, _applied).Price;
}
