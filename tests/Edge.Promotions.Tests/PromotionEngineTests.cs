namespace Edge.Promotions.Tests;

/// <summary>What the conformance files cannot say: allocation, many promotions, invariants over random inputs.</summary>
public sealed class PromotionEngineTests
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
    private static readonly DateTimeOffset Noon = new(2026, 12, 1, 12, 0, 0, TimeSpan.FromHours(9));

    private static Promotion Percent(string id, decimal value, int priority = 0, bool stackable = true, string sku = "A") => new()
    {
        Id = id,
        Skus = new HashSet<string>(StringComparer.Ordinal) { sku },
        Discount = new Discount(DiscountType.Percent, value),
        Priority = priority,
        Stackable = stackable,
        Start = Noon.AddDays(-1),
        End = Noon.AddDays(1),
        Dayparts = [new Daypart(Days.Mon | Days.Tue | Days.Wed | Days.Thu | Days.Fri | Days.Sat | Days.Sun, new TimeOnly(9, 0), new TimeOnly(21, 0))],
    };

    [Fact]
    public void AnEvaluationWithTenCandidates_AllocatesNothing()
    {
        var product = new Product("A", 1000, "JPY", "snacks", 100);
        Promotion[] promotions = [.. Enumerable.Range(0, 10).Select(i => Percent("p" + i, 5, priority: i % 3))];
        int[] applied = new int[promotions.Length];
        PromotionEngine.Evaluate(product, Noon, Channel.Store, Tokyo, promotions, applied);

        long before = GC.GetAllocatedBytesForCurrentThread();
        PriceResult r = default;
        for (int i = 0; i < 1000; i++)
        {
            r = PromotionEngine.Evaluate(product, Noon, Channel.Store, Tokyo, promotions, applied);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(10, r.AppliedCount);
    }

    [Fact]
    public void MoreCandidatesThanTheStackHolds_AreOrderedTheSame()
    {
        // 300 promotions: the order buffer is rented instead of stack-allocated; the rule must not change with it.
        var product = new Product("A", 1_000_000, "JPY");
        Promotion[] promotions = [.. Enumerable.Range(0, 300).Select(i => Percent("p" + i, 1, priority: i % 7))];
        Evaluation r = PromotionEngine.Evaluate(product, Noon, Channel.Store, Tokyo, promotions);

        string[] expected = [.. promotions.Select((p, i) => (p, i)).OrderByDescending(x => x.p.Priority).ThenBy(x => x.i).Select(x => x.p.Id)];
        Assert.Equal(expected, r.PromotionIds.Take(expected.Length));
    }

    [Fact]
    public void AnExclusivePromotion_StopsEverythingAfterIt_ButOneThatLowersNothing_DoesNot()
    {
        var product = new Product("A", 1000, "JPY", MinPrice: 900);
        Promotion useless = Percent("useless-exclusive", 0, priority: 10, stackable: false);
        Promotion exclusive = Percent("exclusive", 5, priority: 0, stackable: false);
        Promotion stacked = Percent("stacked", 50, priority: 100);

        Evaluation r = PromotionEngine.Evaluate(product, Noon, Channel.Store, Tokyo, [stacked, useless, exclusive]);

        Assert.Equal(["exclusive"], r.PromotionIds);
        Assert.Equal(950, r.Price);
    }

    [Fact]
    public void ANegativePrice_IsAnError_NotAPrice()
    {
        var ex = Assert.Throws<ArgumentException>(() => PromotionEngine.Evaluate(new Product("A", -1, "JPY"), Noon, Channel.Store, Tokyo, []));
        Assert.Contains("price", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForRandomPromotionSets_ThePriceStaysBetweenTheFloorAndTheBase_AndEveryAppliedOneLowersIt()
    {
        var random = new Random(20261201);
        for (int run = 0; run < 2000; run++)
        {
            long basePrice = random.Next(0, 100_000);
            long? minPrice = random.Next(3) == 0 ? random.Next(0, 50_000) : null;
            var product = new Product("A", basePrice, "USD", "c", minPrice);
            Promotion[] promotions = [.. Enumerable.Range(0, random.Next(0, 12)).Select(i => new Promotion
            {
                Id = "p" + i,
                Category = "c",
                Discount = random.Next(3) switch
                {
                    0 => new Discount(DiscountType.Percent, random.Next(0, 10_001) / 100m),
                    1 => new Discount(DiscountType.Amount, random.Next(0, 60_000)),
                    _ => new Discount(DiscountType.Price, random.Next(0, 120_000)),
                },
                Priority = random.Next(-3, 4),
                Stackable = random.Next(4) != 0,
            })];

            Evaluation r = PromotionEngine.Evaluate(product, Noon, Channel.Online, Tokyo, promotions);

            long floor = Math.Max(minPrice ?? 0, 0);
            Assert.InRange(r.Price, Math.Min(floor, basePrice), basePrice);
            Assert.Equal(r.PromotionIds.Count, r.PromotionIds.Distinct().Count());
            Assert.True(r.Applied.Count(p => !p.Stackable) <= 1);
            if (r.Applied.Count > 0 && !r.Applied[0].Stackable)
            {
                Assert.Single(r.Applied);
            }
        }
    }
}
