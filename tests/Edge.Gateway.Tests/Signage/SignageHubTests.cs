using Edge.Gateway.Events;
using Edge.Gateway.Shelves;
using Edge.Gateway.Signage;
using Edge.Gateway.StoreData;
using Edge.Promotions;

namespace Edge.Gateway.Tests.Signage;

/// <summary>What the screens show is what the engine computes, pushed to each player once, with bounded memory.</summary>
public class SignageHubTests
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    [Fact]
    public void AfterEachOf1000RandomUpdates_EveryTileOfEveryScreen_IsWhatTheEngineComputes()
    {
        using var world = new SignageWorld();
        var random = new Random(1201);
        string[] skus = [.. world.Layout.Shelves.Select(s => s.Sku)];
        string[] categories = ["drinks", "snacks", "daily"];
        Assert.True(world.Snapshot(StoreDataKinds.Catalog, [.. world.Layout.Shelves.Take(6).Select(x => new { sku = x.Sku, name = new { en = x.Name }, price = 100, currency = "JPY", category = x.Zone })]));
        Assert.True(world.Snapshot(StoreDataKinds.Promotions));
        Assert.True(world.Snapshot(StoreDataKinds.OnlineStock));
        Assert.True(world.Snapshot(StoreDataKinds.Reservations));
        int changed = 0;
        for (int step = 0; step < 1000; step++)
        {
            DateTimeOffset now = world.Time.GetUtcNow();
            string sku = skus[random.Next(skus.Length)];
            switch (random.Next(6))
            {
                case 0:
                    Assert.True(world.Delta(StoreDataKinds.Catalog, [new
                    {
                        sku, name = new { ja = "商品" + step, en = "Product " + step }, price = random.Next(50, 1000), currency = "JPY",
                        category = categories[random.Next(3)], minPrice = random.Next(2) == 0 ? (int?)null : random.Next(0, 50),
                    }]));
                    break;
                case 1:
                case 2:
                    string id = "p" + random.Next(8);
                    DateTimeOffset? start = random.Next(3) == 0 ? now.AddMinutes(random.Next(1, 30)) : null;
                    bool remove = random.Next(5) == 0;
                    bool bySku = random.Next(2) == 0;
                    Assert.True(world.Delta(StoreDataKinds.Promotions, remove ? [] : [new
                    {
                        id, version = step, skus = bySku ? [sku] : Array.Empty<string>(),
                        category = !bySku || random.Next(3) == 0 ? categories[random.Next(3)] : null,
                        discount = random.Next(3) switch
                        {
                            0 => (object)new { type = "percent", value = random.Next(1, 60) },
                            1 => new { type = "amount", value = random.Next(1, 200) },
                            _ => new { type = "price", value = random.Next(10, 300) },
                        },
                        channels = random.Next(4) == 0 ? new[] { "online" } : new[] { "store", "online" },
                        priority = random.Next(3), stackable = random.Next(3) != 0,
                        start,
                        end = random.Next(2) == 0 ? (start ?? now).AddMinutes(random.Next(1, 120)) : (DateTimeOffset?)null,
                        title = new { ja = "セール" + id, en = "Sale " + id },
                    }], remove ? [id] : null));
                    break;
                case 3:
                    Assert.True(world.Delta(StoreDataKinds.OnlineStock, [new { sku, available = random.Next(0, 50), asOf = now.AddMinutes(-random.Next(0, 25)) }]));
                    break;
                case 4:
                    string[] statuses = ["reserved", "reserved", "picked", "cancelled"];
                    Assert.True(world.Delta(StoreDataKinds.Reservations, [new
                    {
                        orderId = "o" + random.Next(10), sku, quantity = random.Next(1, 4), status = statuses[random.Next(statuses.Length)],
                        pickupBy = now.AddMinutes(random.Next(-5, 60)),
                    }]));
                    break;
                default:
                    ShelfOptions shelf = world.Layout.Shelves[random.Next(world.Layout.Shelves.Count)];
                    world.SetCount(shelf.Id, random.Next(12) == 0 ? null : random.Next(0, shelf.Capacity + 1));
                    break;
            }

            world.Time.Advance(TimeSpan.FromSeconds(random.Next(0, 90)));
            changed += world.Hub.Refresh();
            foreach (ScreenOptions screen in world.Hub.Screens)
            {
                ScreenContent content = world.Hub.Current(screen.Id)!.Content;
                Assert.Equal(world.Layout.Shelves.Where(s => s.Zone == screen.Zone).Select(s => s.Sku), content.Tiles.Select(t => t.Sku));
                foreach (Tile tile in content.Tiles)
                {
                    AssertIsTheEngines(world, tile, world.Time.GetUtcNow()); // what it shows holds now, whenever it was first generated
                }
            }
        }

        Assert.True(changed > 500, $"only {changed} content changes in 1000 updates");
    }

    [Fact]
    public void ContentThatDidNotChange_KeepsItsVersion_AndAChangeGetsAGreaterOne()
    {
        using var world = new SignageWorld();
        Assert.Equal(3, world.Hub.Refresh());
        long before = world.Hub.Current("drinks")!.Version;

        world.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, world.Hub.Refresh());
        Assert.Equal(before, world.Hub.Current("drinks")!.Version);

        world.SetCount("D-01", 1);
        Assert.Equal(1, world.Hub.Refresh());
        Assert.True(world.Hub.Current("drinks")!.Version > before);
        Assert.Null(world.Hub.Current("no-such-screen"));
    }

    [Fact]
    public void APromotionsEnd_TravelsWithTheTile_AndTheTileRevertsAtIt()
    {
        using var world = new SignageWorld();
        DateTimeOffset end = world.Time.GetUtcNow().AddMinutes(5);
        string sku = world.Layout.Shelves[0].Sku;
        world.Snapshot(StoreDataKinds.Promotions, new
        {
            id = "flash", version = 3, skus = new[] { sku }, discount = new { type = "amount", value = 30 }, end, title = new { ja = "タイムセール", en = "Flash sale" },
        });
        world.Hub.Refresh();

        Tile tile = world.Hub.Current("drinks")!.Content.Tiles[0];
        Assert.Equal(("flash", 3L, end), (tile.Promotion!.Id, tile.Promotion.Version, tile.Promotion.End!.Value));
        Assert.Equal(tile.BasePrice - 30, tile.Price);
        Assert.Equal(end, tile.Until);
        Assert.Equal(new TilePrice(tile.BasePrice, tile.BasePrice, null, []), tile.Then! with { Multibuy = [] });

        world.Time.Advance(TimeSpan.FromMinutes(5));
        world.Hub.Refresh();
        Tile after = world.Hub.Current("drinks")!.Content.Tiles[0];
        Assert.Null(after.Promotion);
        Assert.Equal(after.BasePrice, after.Price);
        Assert.Null(after.Until);
    }

    [Fact]
    public void ADaypartsWindowEnd_IsTheTilesEnd_SoThePageRevertsWhenTodaysWindowCloses()
    {
        using var world = new SignageWorld();
        DateTimeOffset now = world.Time.GetUtcNow();
        DateTime local = TimeZoneInfo.ConvertTime(now, Tokyo).DateTime;
        var from = TimeOnly.FromDateTime(local.AddMinutes(-30));
        DateTime closing = local.AddMinutes(40);
        var to = new TimeOnly(closing.Hour, closing.Minute); // dayparts are to the minute
        string day = local.AddMinutes(-30).DayOfWeek.ToString()[..3].ToLowerInvariant();
        string sku = world.Layout.Shelves[0].Sku;
        world.Snapshot(StoreDataKinds.Promotions, new
        {
            id = "evening", version = 1, skus = new[] { sku }, discount = new { type = "percent", value = 20 },
            end = now.AddDays(30), dayparts = new[] { new { days = new[] { day }, from = from.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), to = to.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture) } },
        });

        world.Hub.Refresh();

        Tile tile = world.Hub.Current("drinks")!.Content.Tiles[0];
        var closes = new DateTimeOffset(DateOnly.FromDateTime(closing).ToDateTime(to), TimeSpan.FromHours(9));
        Assert.Equal("evening", tile.Promotion!.Id);
        Assert.Equal(closes, tile.Promotion.End);
        Assert.Equal(closes, tile.Until);
        Assert.Null(tile.Then!.Promotion);
        AssertIsTheEngines(world, tile, now);
    }

    [Fact]
    public void WithTheClockImplausible_NoTimeLimitedPromotionIsShown_NorAnEdge()
    {
        // Years before the gateway was built: no true "now" is that early.
        using var world = new SignageWorld(start: DateTimeOffset.UtcNow.AddYears(-3));
        string sku = world.Layout.Shelves[0].Sku;
        world.Snapshot(StoreDataKinds.Promotions,
            new { id = "limited", version = 1, skus = new[] { sku }, discount = new { type = "percent", value = 10 }, end = world.Time.GetUtcNow().AddHours(1) },
            new { id = "always", version = 1, skus = new[] { sku }, discount = new { type = "amount", value = 5 } });

        world.Hub.Refresh();

        ScreenContent content = world.Hub.Current("drinks")!.Content;
        Assert.False(content.ClockPlausible);
        Assert.Equal("always", content.Tiles[0].Promotion!.Id);
        Assert.Null(content.Tiles[0].Until);
    }

    [Fact]
    public void APlayerThatDoesNotRead_HoldsOnlyTheNewestContent()
    {
        using var world = new SignageWorld();
        world.Hub.Refresh();
        PlayerFeed feed = world.Hub.Connect("drinks", "slow")!;

        for (int i = 0; i < 100; i++)
        {
            world.SetCount("D-01", i % 10);
            world.Hub.Refresh();
        }

        Assert.True(feed.Next.TryRead(out ScreenPayload? only));
        Assert.Equal(world.Hub.Current("drinks")!.Version, only!.Version);
        Assert.False(feed.Next.TryRead(out _));
    }

    [Fact]
    public void AThousandReconnects_LeaveNoPlayerBehind_AndAFullScreenRefusesTheNext()
    {
        using var world = new SignageWorld();
        for (int i = 0; i < 1000; i++)
        {
            world.Hub.Disconnect(world.Hub.Connect("snacks", "p-" + i)!);
        }

        ScreenStatus snacks = world.Hub.Status().Single(s => s.Id == "snacks");
        Assert.Equal(0, snacks.ConnectedPlayers);
        Assert.Equal(SignageHub.RememberedPlayers, snacks.Players.Count);

        var feeds = Enumerable.Range(0, SignageHub.MaxPlayersPerScreen).Select(i => world.Hub.Connect("daily", "d-" + i)).ToList();
        Assert.All(feeds, Assert.NotNull);
        Assert.Null(world.Hub.Connect("daily", "one-too-many"));
        Assert.NotNull(world.Hub.Connect("drinks", "elsewhere"));
        Assert.True(world.Hub.Status().Single(s => s.Id == "daily").Players.Count <= SignageHub.RememberedPlayers);
    }

    [Fact]
    public void AScreenWhosePlayersAreGone_GoesOfflineAfterOfflineAfter_Once_AndOnlineWhenOneIsBack()
    {
        using var world = new SignageWorld(offlineAfter: TimeSpan.FromMinutes(2));
        using Subscription<ScreenPresenceChanged> alerts = world.Bus.Subscribe<ScreenPresenceChanged>("test", 16, FullPolicy.DropOldestAndResync);
        world.Hub.Refresh();
        world.Time.Advance(TimeSpan.FromHours(1));
        world.Hub.Refresh();
        Assert.False(alerts.TryRead(out _)); // never had a player: nothing to say

        PlayerFeed a = world.Hub.Connect("drinks", "a")!;
        PlayerFeed b = world.Hub.Connect("drinks", "b")!;
        world.Hub.Disconnect(a);
        world.Time.Advance(TimeSpan.FromMinutes(5));
        world.Hub.Refresh();
        Assert.False(alerts.TryRead(out _)); // one is still there

        world.Hub.Disconnect(b);
        DateTimeOffset gone = world.Time.GetUtcNow();
        world.Time.Advance(TimeSpan.FromSeconds(119));
        world.Hub.Refresh();
        Assert.False(alerts.TryRead(out _));

        world.Time.Advance(TimeSpan.FromSeconds(1));
        world.Hub.Refresh();
        world.Time.Advance(TimeSpan.FromMinutes(10));
        world.Hub.Refresh();
        Assert.True(alerts.TryRead(out Delivery<ScreenPresenceChanged> offline));
        Assert.Equal(("drinks", false, gone), (offline.Event!.ScreenId, offline.Event.Online, offline.Event.LastSeen!.Value));
        Assert.False(alerts.TryRead(out _));
        Assert.False(world.Hub.Status().Single(s => s.Id == "drinks").Online);

        world.Hub.Connect("drinks", "c");
        Assert.True(alerts.TryRead(out Delivery<ScreenPresenceChanged> online));
        Assert.True(online.Event!.Online);
    }

    // The oracle: the engine on the stored data, and availability by its definition, computed here independently.
    private static void AssertIsTheEngines(SignageWorld world, Tile tile, DateTimeOffset at)
    {
        CatalogItem? item = world.Data.Catalog(tile.Sku);
        ShelfOptions[] shelves = [.. world.Layout.Shelves.Where(s => s.Sku == tile.Sku)];
        Product product = item?.Product ?? new Product(tile.Sku, (long)shelves[0].Price, "JPY");
        Evaluation e = PromotionEngine.Evaluate(product, at, Channel.Store, Tokyo, world.Data.Promotions);
        Assert.Equal(e.Price, (long)tile.Price);
        Assert.Equal(e.BasePrice, (long)tile.BasePrice);
        Assert.Equal(e.Price < e.BasePrice ? e.Applied[0].Id : null, tile.Promotion?.Id);
        Assert.Equal(e.Price < e.BasePrice ? e.Applied[0].Version : null, tile.Promotion?.Version);

        StockRow?[] rows = [.. shelves.Select(s => world.Board.Get(s.Id))];
        int reserved = world.Data.Reservations.Where(r => r.Sku == tile.Sku && r.Holds(at)).Sum(r => r.Quantity);
        int? expected = rows.All(r => r is { Counted: true }) ? Math.Max(0, rows.Sum(r => r!.Count) - reserved) : null;
        Assert.Equal(expected, tile.Count);

        OnlineStockLevel? online = world.Data.Online(tile.Sku);
        bool fresh = online is not null && at - online.AsOf <= TimeSpan.FromMinutes(15) && online.AsOf - at <= TimeSpan.FromMinutes(2);
        Assert.Equal(fresh ? online!.Available : null, tile.Online);
        Assert.Equal(online is not null && !fresh, tile.OnlineStale);

        if (tile.Until is { } until)
        {
            Evaluation later = PromotionEngine.Evaluate(product, until, Channel.Store, Tokyo, world.Data.Promotions);
            Assert.Equal(later.Price, (long)tile.Then!.Price);
            Assert.Equal(later.Price < later.BasePrice ? later.Applied[0].Id : null, tile.Then.Promotion?.Id);
            Assert.True(until > at);
        }
    }
}
