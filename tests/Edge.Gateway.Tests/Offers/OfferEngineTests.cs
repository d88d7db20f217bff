using Edge.Gateway.Beacons;
using Edge.Gateway.Offers;
using Edge.Gateway.Omnichannel;
using Edge.Gateway.Signage;
using Edge.Gateway.Simulation;
using Edge.Gateway.StoreData;
using Edge.Gateway.Tests.Signage;
using Edge.Promotions;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Tests.Offers;

/// <summary>The offer engine on the real store data, prices and availability, on a controlled clock.</summary>
public sealed class OfferEngineTests : IDisposable
{
    private const string Drinks = "drinks";
    private readonly SignageWorld _world;
    private readonly string _sku;
    private OfferEngine _engine;

    public OfferEngineTests()
    {
        // 10:00 in Tokyo: the store is open and no quiet hours apply unless a test says so.
        _world = new SignageWorld(start: NextTokyo(10));
        _sku = _world.Layout.Shelves[0].Sku; // D-01, in drinks
        _engine = Engine(new OffersOptions());
    }

    public void Dispose() => _world.Dispose();

    private static DateTimeOffset NextTokyo(int hour)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(9));
        return new DateTimeOffset(now.Year, now.Month, now.Day, hour, 0, 0, TimeSpan.FromHours(9)).AddDays(1);
    }

    private OfferEngine Engine(OffersOptions o)
    {
        var omnichannel = Options.Create(new OmnichannelOptions());
        return new OfferEngine(_world.Layout, new ScreenList(DemoStoreLayout.Screens()), _world.Data, _world.Prices,
            new AvailabilityCalculator(_world.Layout, _world.Board, _world.Data, _world.Time, omnichannel), _world.Clock, Options.Create(o));
    }

    private static object Promo(string id, string sku, int amount, string[]? channels = null, string? audience = null, int priority = 0, DateTimeOffset? end = null) => new
    {
        id, version = 2, skus = new[] { sku }, discount = new { type = "amount", value = amount }, channels = channels ?? ["app"], priority, audience, end,
        title = new { ja = id, en = id },
    };

    private OfferDecision? At(TimeSpan later, string subject = "s-1", BeaconEventType type = BeaconEventType.Dwell, string zone = Drinks, string? audience = null)
    {
        _world.Time.Advance(later);
        return _engine.Decide(new BeaconEvent(type, subject, zone, _world.Time.GetUtcNow(), Audience: audience));
    }

    [Fact]
    public void ADwell_MakesOneOffer_TheEnginesAppPriceForTheZone_AndOtherEventsMakeNone()
    {
        _world.Snapshot(StoreDataKinds.Promotions, Promo("app-30", _sku, 30), Promo("store-only", _world.Layout.Shelves[1].Sku, 50, ["store"]));

        Assert.Null(At(TimeSpan.Zero, type: BeaconEventType.ZoneEntered));
        Assert.Null(At(TimeSpan.Zero, type: BeaconEventType.ZoneExited));
        Assert.Null(At(TimeSpan.Zero, subject: "B-1")); // a store beacon is not a shopper
        OfferDecision d = At(TimeSpan.Zero)!;

        Offer offer = d.Offer!;
        Product product = _world.Prices.ProductOf(_sku)!.Value.Product;
        Evaluation e = PromotionEngine.Evaluate(product, offer.TriggeredAt, Channel.App, _world.Prices.TimeZone, _world.Data.Promotions);
        Assert.Equal(("app-30", 2L, _sku, Drinks, "s-1"), (offer.PromotionId, offer.PromotionVersion, offer.Sku, offer.Zone, offer.Subject));
        Assert.Equal((e.Price, e.BasePrice), (offer.Price, offer.BasePrice));
        Assert.Equal(offer.TriggeredAt + TimeSpan.FromMinutes(30), offer.ExpiresAt);
        Assert.Equal([offer], _engine.ValidFor("s-1", null, offer.TriggeredAt));
        Assert.Empty(_engine.ValidFor("s-1", null, offer.ExpiresAt));
    }

    [Fact]
    public void OnZoneEntered_TheEntryIsTheTrigger()
    {
        _engine = Engine(new OffersOptions { Trigger = OfferTrigger.ZoneEntered });
        _world.Snapshot(StoreDataKinds.Promotions, Promo("app-30", _sku, 30));

        Assert.Null(At(TimeSpan.Zero));
        Assert.NotNull(At(TimeSpan.Zero, type: BeaconEventType.ZoneEntered)!.Offer);
    }

    [Fact]
    public void TheBestOfTheZone_IsByPriorityThenSaving_AndAnOfferNeverOutlivesItsPromotion()
    {
        DateTimeOffset end = _world.Time.GetUtcNow().AddMinutes(5);
        _world.Snapshot(StoreDataKinds.Promotions,
            Promo("big-saving", _world.Layout.Shelves[1].Sku, 90),
            Promo("high-priority", _world.Layout.Shelves[2].Sku, 10, priority: 5, end: end),
            Promo("elsewhere", _world.Layout.Shelves[5].Sku, 100)); // snacks

        Offer offer = At(TimeSpan.Zero)!.Offer!;

        Assert.Equal("high-priority", offer.PromotionId);
        Assert.Equal(end, offer.ExpiresAt);
    }

    [Fact]
    public void Caps_PerPromotionPerDay_PerVisit_AndTheMinimumGap_AreKept()
    {
        _world.Snapshot(StoreDataKinds.Promotions, Promo("a", _world.Layout.Shelves[0].Sku, 30, priority: 3),
            Promo("b", _world.Layout.Shelves[1].Sku, 30, priority: 2), Promo("c", _world.Layout.Shelves[2].Sku, 30, priority: 1));

        Assert.Equal("a", At(TimeSpan.Zero)!.Offer!.PromotionId);
        OfferDecision tooSoon = At(TimeSpan.FromMinutes(9))!;
        Assert.Equal((SuppressedBy.Cap, "b"), (tooSoon.Reason!.Value, tooSoon.PromotionId));
        Assert.Equal("b", At(TimeSpan.FromMinutes(1))!.Offer!.PromotionId); // "a" is used up for today
        Assert.Equal(SuppressedBy.Cap, At(TimeSpan.FromMinutes(10))!.Reason); // two in this visit

        // Gone for longer than a visit: a new visit, and "c" is the one promotion left today.
        Assert.Equal("c", At(TimeSpan.FromMinutes(31))!.Offer!.PromotionId);
        Assert.Equal(SuppressedBy.Cap, At(TimeSpan.FromMinutes(11))!.Reason); // a, b and c all used today

        // Another shopper is another budget.
        Assert.Equal("a", At(TimeSpan.Zero, subject: "s-2")!.Offer!.PromotionId);
    }

    [Fact]
    public void QuietHoursAndClosingTime_AreInTheStoresLocalTime()
    {
        _engine = Engine(new OffersOptions { QuietHours = ["12:00-13:00"], OpeningHours = "07:00-23:00" });
        _world.Snapshot(StoreDataKinds.Promotions, Promo("a", _sku, 30));

        Assert.Equal(SuppressedBy.QuietHours, At(TimeSpan.FromHours(2).Add(TimeSpan.FromMinutes(30)))!.Reason); // 12:30
        Assert.Equal(SuppressedBy.QuietHours, At(TimeSpan.FromHours(11), subject: "s-2")!.Reason); // 23:30, closed
        Assert.NotNull(At(TimeSpan.FromHours(8), subject: "s-3")!.Offer); // 07:30
        Assert.True(new LocalSpan(new TimeOnly(22, 0), new TimeOnly(6, 0)).Contains(new TimeOnly(1, 0)));
    }

    [Fact]
    public void NoOffer_ForAProductWithNoStock_OrWithUnknownStockWhenKnownStockIsRequired()
    {
        _world.Snapshot(StoreDataKinds.Promotions, Promo("a", _sku, 30));
        _world.SetCount("D-01", 0);
        Assert.Equal((SuppressedBy.NoStock, "a"), (At(TimeSpan.Zero)!.Reason!.Value, At(TimeSpan.Zero)!.PromotionId));

        _world.SetCount("D-01", 3);
        _world.Snapshot(StoreDataKinds.Reservations, new { orderId = "C-1", sku = _sku, quantity = 3, status = "reserved", pickupBy = _world.Time.GetUtcNow().AddHours(1) });
        Assert.Equal(SuppressedBy.NoStock, At(TimeSpan.Zero)!.Reason); // all three held for click and collect

        _world.SetCount("D-01", null);
        Assert.Equal(SuppressedBy.NoStock, At(TimeSpan.Zero)!.Reason);
        _engine = Engine(new OffersOptions { RequireKnownStock = false });
        Assert.NotNull(At(TimeSpan.Zero)!.Offer);
    }

    [Fact]
    public void AnAudiencePromotion_IsOfferedOnlyToThatAudience()
    {
        _world.Snapshot(StoreDataKinds.Promotions, Promo("members", _sku, 30, audience: "app-members"));

        Assert.Equal(SuppressedBy.NoEligiblePromotion, At(TimeSpan.Zero)!.Reason);
        Assert.Equal(SuppressedBy.NoEligiblePromotion, At(TimeSpan.Zero, subject: "s-2", audience: "staff")!.Reason);
        Assert.Equal("members", At(TimeSpan.Zero, subject: "s-3", audience: "app-members")!.Offer!.PromotionId);
    }

    [Fact]
    public void CapsEndWithTheDailyPseudonym_AndAFloodOfShoppersStaysBounded()
    {
        _engine = Engine(new OffersOptions { MaxShoppers = 1000 });
        _world.Snapshot(StoreDataKinds.Promotions, Promo("a", _sku, 1));
        _world.SetCount("D-01", 5);
        for (int i = 0; i < 10_000; i++)
        {
            _world.Time.Advance(TimeSpan.FromMilliseconds(6)); // 10,000 in a minute
            _engine.Decide(new BeaconEvent(BeaconEventType.Dwell, "s-" + i, Drinks, _world.Time.GetUtcNow()));
        }

        Assert.Equal(1000, _engine.Shoppers);
        OfferStats.Report stats = _engine.Stats(_world.Time.GetUtcNow());
        Assert.Equal((1000L, 9000L), (stats.Triggered, stats.Suppressed["capacity"]));

        // Once they have left (a visit's gap, offers expired), their caps go: new shoppers are served again.
        _world.Time.Advance(TimeSpan.FromMinutes(31));
        Assert.NotNull(_engine.Decide(new BeaconEvent(BeaconEventType.Dwell, "s-new", Drinks, _world.Time.GetUtcNow()))!.Offer);
        Assert.Equal(1, _engine.Shoppers);

        // The same name on another (UTC) day would be another shopper: nothing carries over.
        _world.Time.Advance(TimeSpan.FromDays(1));
        Assert.NotNull(_engine.Decide(new BeaconEvent(BeaconEventType.Dwell, "s-new", Drinks, _world.Time.GetUtcNow()))!.Offer);
    }

    [Fact]
    public void Stats_CountEachOutcome_ByZoneAndPromotion_ForTheLocalDay()
    {
        _world.Snapshot(StoreDataKinds.Promotions, Promo("a", _sku, 30));
        At(TimeSpan.Zero);
        At(TimeSpan.Zero);
        At(TimeSpan.Zero, subject: "s-2", zone: "snacks");

        OfferStats.Report r = _engine.Stats(_world.Time.GetUtcNow());

        Assert.Equal(1, r.Triggered);
        Assert.Equal((1L, 1L), (r.Suppressed["cap"], r.Suppressed["noEligiblePromotion"]));
        Assert.Equal([("drinks", "a", 1L), ("snacks", (string?)null, 0L)], r.ByZoneAndPromotion.Select(x => (x.Zone, x.PromotionId, x.Triggered)));
        Assert.Equal(0, _engine.Stats(_world.Time.GetUtcNow().AddDays(1)).Triggered);
    }
}
