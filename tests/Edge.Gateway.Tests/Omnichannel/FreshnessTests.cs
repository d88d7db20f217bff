using System.Text;
using System.Text.Json;
using Edge.Gateway.Hosting;
using Edge.Gateway.Omnichannel;
using Edge.Gateway.Shelves;
using Edge.Gateway.StoreData;
using Edge.Promotions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Gateway.Tests.Omnichannel;

/// <summary>The freshness contract, on a controlled clock: what the shop floor shows is never false.</summary>
public sealed class FreshnessTests : IDisposable
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
    // Years after any build date: a clock before the build date is implausible.
    private static readonly DateTimeOffset Midnight = new(2030, 12, 4, 0, 0, 0, TimeSpan.FromHours(9));
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-fresh-").FullName;
    private readonly ShelfLayout _layout = new([new ShelfOptions { Id = "S-01", Sku = "A", Name = "A", Zone = "z", Price = 500 }], Simulated: true);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A clock whose wall time can jump while its monotonic time runs on.</summary>
    private sealed record Store(GatewayDatabase Database, StoreDataRepository Repository, StoreDataView View, StoreClock Clock, PriceService Prices) : IDisposable
    {
        public void Dispose() => Database.Dispose();
    }

    private Store Open(TimeProvider time)
    {
        GatewayDatabase db = GatewayDatabase.Open(_dir);
        var repository = new StoreDataRepository(db);
        var view = new StoreDataView(repository);
        IOptions<OmnichannelOptions> options = Options.Create(new OmnichannelOptions());
        var clock = new StoreClock(time, options);
        return new Store(db, repository, view, clock, new PriceService(view, _layout, clock, options));
    }

    private static void Apply(Store store, string kind, string json, DateTimeOffset now)
    {
        StoreDataRepository.Result r = store.Repository.Apply(kind, Encoding.UTF8.GetBytes(json), now);
        Assert.Equal(StoreDataRepository.Outcome.Stored, r.Outcome);
        store.View.Apply(r, now);
    }

    private static List<object> DayOfPromotions()
    {
        var random = new Random(86400);
        string[] days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        return [.. Enumerable.Range(0, 200).Select(i =>
        {
            DateTimeOffset start = Midnight.AddSeconds(random.Next(-3600, 86400));
            return (object)new
            {
                id = $"P{i:D3}",
                skus = new[] { "A" },
                discount = new { type = "amount", value = 1 + random.Next(3) },
                priority = random.Next(5),
                start,
                end = start.AddSeconds(random.Next(1, 6 * 3600)),
                dayparts = random.Next(4) == 0
                    ? new[] { new { days = new[] { days[random.Next(7)], days[random.Next(7)] }, from = $"{random.Next(24):D2}:{random.Next(60):D2}", to = $"{random.Next(24):D2}:{random.Next(60):D2}" } }
                    : null,
            };
        })];
    }

    // Independent of the engine: the window by instants, and a daypart by the local clock face.
    private static bool Inside(JsonElement p, DateTimeOffset at)
    {
        if (at < p.GetProperty("start").GetDateTimeOffset() || at >= p.GetProperty("end").GetDateTimeOffset())
        {
            return false;
        }

        if (p.GetProperty("dayparts").ValueKind != JsonValueKind.Array)
        {
            return true;
        }

        DateTime local = TimeZoneInfo.ConvertTime(at, Tokyo).DateTime;
        return p.GetProperty("dayparts").EnumerateArray().Any(d =>
        {
            string[] ds = [.. d.GetProperty("days").EnumerateArray().Select(x => x.GetString()!)];
            TimeSpan from = TimeSpan.Parse(d.GetProperty("from").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            TimeSpan to = TimeSpan.Parse(d.GetProperty("to").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            string today = local.DayOfWeek.ToString()[..3].ToLowerInvariant();
            string yesterday = local.AddDays(-1).DayOfWeek.ToString()[..3].ToLowerInvariant();
            TimeSpan t = local.TimeOfDay;
            return from < to ? ds.Contains(today) && t >= from && t < to : (ds.Contains(today) && t >= from) || (ds.Contains(yesterday) && t < to);
        });
    }

    [Fact]
    public void ThroughADayWith200Promotions_NoPromotionIsAppliedOutsideItsWindow_AtAnySecond_AcrossARestart()
    {
        var time = new JumpingClock(Midnight);
        List<object> promotions = DayOfPromotions();
        string json = JsonSerializer.Serialize(new { version = 1, items = promotions });
        Dictionary<string, JsonElement> byId = JsonDocument.Parse(json).RootElement.GetProperty("items").EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!);
        Store store = Open(time);
        Apply(store, StoreDataKinds.Promotions, json, time.GetUtcNow());
        int applied = 0;
        int seconds = 0;
        try
        {
            // No cloud at all: the gateway's own clock is what ends a promotion.
            for (; seconds < 86_400; seconds++)
            {
                if (seconds == 43_200)
                {
                    store.Dispose();
                    store = Open(time);
                }

                PriceView p = store.Prices.Price("A", Channel.Store)!;
                foreach (AppliedPromotion a in p.Promotions)
                {
                    Assert.True(Inside(byId[a.Id], p.At), $"{a.Id} applied at {p.At:O}, outside its window");
                }

                Assert.Equal(500 - p.Promotions.Sum(a => byId[a.Id].GetProperty("discount").GetProperty("value").GetInt64()), p.Price);
                applied += p.Promotions.Count;
                time.Advance(TimeSpan.FromSeconds(1));
            }
        }
        finally
        {
            store.Dispose();
        }

        Assert.Equal(86_400, seconds);
        Assert.True(applied > 86_400, $"the day should apply promotions most of the time ({applied} applications)");
    }

    [Fact]
    public void AClockThatJumps_ShowsTheBasePrice_UntilItHasRunSteadily_AndOneBeforeTheBuildDateToo()
    {
        var time = new JumpingClock(Midnight.AddHours(12));
        using Store store = Open(time);
        Apply(store, StoreDataKinds.Promotions, JsonSerializer.Serialize(new
        {
            version = 1,
            items = new object[]
            {
                new { id = "timed", skus = new[] { "A" }, discount = new { type = "amount", value = 100 }, start = Midnight, end = Midnight.AddDays(30) },
                new { id = "always", skus = new[] { "A" }, discount = new { type = "amount", value = 10 } },
            },
        }), time.GetUtcNow());
        Assert.Equal(390, store.Prices.Price("A", Channel.Store)!.Price);

        time.Jump(TimeSpan.FromHours(3));
        PriceView jumped = store.Prices.Price("A", Channel.Store)!;
        time.Advance(TimeSpan.FromMinutes(5));
        PriceView settling = store.Prices.Price("A", Channel.Store)!;
        time.Advance(TimeSpan.FromMinutes(6));
        PriceView settled = store.Prices.Price("A", Channel.Store)!;
        time.Jump(TimeSpan.FromDays(-2000));
        time.Advance(TimeSpan.FromMinutes(11));
        PriceView past = store.Prices.Price("A", Channel.Store)!;

        Assert.False(jumped.ClockPlausible);
        Assert.Equal(["always"], jumped.Promotions.Select(p => p.Id));
        Assert.Equal(490, jumped.Price);
        Assert.Equal(490, settling.Price);
        Assert.True(settled.ClockPlausible);
        Assert.Equal(390, settled.Price);
        Assert.False(past.ClockPlausible);
        Assert.Contains("before this gateway was built", store.Clock.Reason, StringComparison.Ordinal);
        Assert.Equal(490, past.Price);
    }

    [Fact]
    public void AClockMoreThanTwentyYearsAfterTheBuild_IsImplausible_AndShowsTheBasePrice()
    {
        var time = new JumpingClock(Midnight.AddHours(12));
        using Store store = Open(time);
        Apply(store, StoreDataKinds.Promotions, JsonSerializer.Serialize(new
        {
            version = 1,
            items = new object[] { new { id = "timed", skus = new[] { "A" }, discount = new { type = "amount", value = 100 }, start = Midnight, end = Midnight.AddYears(90) } },
        }), time.GetUtcNow());
        Assert.Equal(400, store.Prices.Price("A", Channel.Store)!.Price);

        // Set (by a corrupt RTC through the kernel) to 30 minutes before the bound, it then runs steadily: plausible up to
        // twenty years after the build, to the second, and not one second later.
        time.Jump(store.Clock.BuildDate.AddYears(20).AddMinutes(-30) - time.GetUtcNow());
        Assert.False(store.Prices.Price("A", Channel.Store)!.ClockPlausible); // the jump itself
        time.Advance(TimeSpan.FromMinutes(30));
        PriceView atBound = store.Prices.Price("A", Channel.Store)!;
        time.Advance(TimeSpan.FromSeconds(1));
        PriceView future = store.Prices.Price("A", Channel.Store)!;

        Assert.True(atBound.ClockPlausible, store.Clock.Reason);
        Assert.Equal(400, atBound.Price);
        Assert.False(future.ClockPlausible);
        Assert.Contains("more than 20 years after this gateway was built", store.Clock.Reason, StringComparison.Ordinal);
        Assert.Equal(500, future.Price);
    }

    [Fact]
    public void OnlineStockOlderThanItsMaxAge_IsNotGivenAsANumber()
    {
        var time = new JumpingClock(Midnight);
        using Store store = Open(time);
        Apply(store, StoreDataKinds.OnlineStock, JsonSerializer.Serialize(new { version = 1, items = new[] { new { sku = "A", available = 7, asOf = Midnight } } }), Midnight);
        var board = new StockBoard();
        var availability = new AvailabilityCalculator(_layout, board, store.View, time, Options.Create(new OmnichannelOptions()));

        SkuAvailability fresh = availability.Of("A", Midnight.AddMinutes(14));
        SkuAvailability stale = availability.Of("A", Midnight.AddMinutes(16));

        Assert.Equal(7, fresh.Online);
        Assert.False(fresh.OnlineStale);
        Assert.Null(stale.Online);
        Assert.True(stale.OnlineStale);
        Assert.Null(stale.InStore);
        SkuAvailability fromTheFuture = availability.Of("A", Midnight.AddMinutes(-3));
        Assert.True(fromTheFuture.OnlineStale, "a level stamped more than a clock jump ahead of now is not trusted");
    }

    [Fact]
    public void AClockJump_IsAnnouncedOnce_AsAnAlertForTheCloud_AndItsRecoveryToo()
    {
        var time = new JumpingClock(Midnight);
        using Store store = Open(time);
        var bus = new Edge.Gateway.Events.EventBus();
        using var alerts = bus.Subscribe<OmnichannelEvent>("test", 100, Edge.Gateway.Events.FullPolicy.DropOldestAndResync);
        var availability = new AvailabilityCalculator(_layout, new StockBoard(), store.View, time, Options.Create(new OmnichannelOptions()));
        var publisher = new AvailabilityPublisher(availability, store.Clock, bus, time);
        List<string> Types()
        {
            var types = new List<string>();
            while (alerts.TryRead(out var d))
            {
                if (d.Event is ClockChanged c)
                {
                    Edge.Cloud.Outbox.OutboxEntry entry = OmnichannelCloudMessages.Of(c);
                    Assert.Equal("gateway-alerts", entry.Stream);
                    types.Add(entry.Type);
                }
            }

            return types;
        }

        publisher.PublishChanges();
        Assert.Empty(Types());
        time.Jump(TimeSpan.FromHours(-5));
        publisher.PublishChanges();
        time.Advance(TimeSpan.FromSeconds(1));
        publisher.PublishChanges();
        Assert.Equal(["ClockImplausible"], Types());
        time.Advance(TimeSpan.FromMinutes(11));
        publisher.PublishChanges();
        Assert.Equal(["ClockRecovered"], Types());
    }
}
