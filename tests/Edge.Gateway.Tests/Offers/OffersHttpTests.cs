using System.Net;
using System.Text.Json;
using Edge.Gateway.Beacons;
using Edge.Gateway.Commands;
using Edge.Gateway.Events;
using Edge.Gateway.Offers;
using Edge.Gateway.StoreData;
using Edge.Gateway.Tests.Commands;

namespace Edge.Gateway.Tests.Offers;

/// <summary>The offers an app on the store Wi-Fi can ask for, and what reaches the cloud: a pseudonym, never a token.</summary>
public class OffersHttpTests
{
    [Fact]
    public async Task AnAppGetsItsOffersByItsToken_AMalformedTokenIs400_AndAnUnknownOneLooksLikeOneWithNone()
    {
        await using CommandHost host = await CommandHost.StartAsync(Directory.CreateTempSubdirectory("edge-offers-").FullName);
        string sku = host.Get<Edge.Gateway.Shelves.ShelfLayout>().Find("D-01")!.Sku;
        byte[] promotions = JsonSerializer.SerializeToUtf8Bytes(new
        {
            version = 1,
            items = new[] { new { id = "app-20", skus = new[] { sku }, discount = new { type = "amount", value = 20 }, channels = new[] { "app" }, title = new { en = "App deal" } } },
        });
        Assert.Equal(CommandOutcome.Done, (await host.Get<CommandDispatcher>().SendAsync(new ApplyStoreData(StoreDataKinds.Promotions, promotions), CommandSource.Cloud)).Outcome);

        DateTimeOffset now = DateTimeOffset.UtcNow;
        ShopperTokens tokens = host.Get<ShopperTokens>();
        string lingering = tokens.Read("0001abcd", now)!.Value.Name;
        string elsewhere = tokens.Read("0001beef", now)!.Value.Name;
        host.Get<EventBus>().Publish(new BeaconEvent(BeaconEventType.Dwell, lingering, "drinks", now));
        host.Get<EventBus>().Publish(new BeaconEvent(BeaconEventType.Dwell, elsewhere, "nowhere", now));
        await CommandHost.WaitUntilAsync(() => host.Get<OfferEngine>().Stats(DateTimeOffset.UtcNow).ByZoneAndPromotion.Count == 2, "both decided");

        JsonElement offers = JsonDocument.Parse(await host.Http.GetStringAsync("/api/offers?token=0001ABCD")).RootElement.GetProperty("offers");
        JsonElement offer = Assert.Single(offers.EnumerateArray());
        Assert.Equal(("app-20", sku), (offer.GetProperty("promotionId").GetString(), offer.GetProperty("sku").GetString()));
        long shelfPrice = (long)host.Get<Edge.Gateway.Shelves.ShelfLayout>().Find("D-01")!.Price;
        Assert.Equal(shelfPrice - 20, offer.GetProperty("price").GetInt64());

        // A shopper seen (with no offer) and a token never seen get the same answer.
        string seen = await host.Http.GetStringAsync("/api/offers?token=0001beef");
        Assert.Equal("{\"offers\":[]}", seen);
        Assert.Equal(seen, await host.Http.GetStringAsync("/api/offers?token=ffffffff"));
        Assert.Equal(seen, await host.Http.GetStringAsync("/api/offers?token=00112233445566ff"));

        foreach (string bad in (string[])["", "?token=", "?token=xyz", "?token=0001abc", "?token=0001abcde", "?token=0001abcg", "?token=" + new string('a', 200), "?token=%00%00%00%00%00%00%00%00"])
        {
            HttpResponseMessage r = await host.Http.GetAsync("/api/offers" + bad);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.StartsWith("{\"error\":\"token must be", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Upstream the offer names the shopper by the day's pseudonym only.
        await CommandHost.WaitUntilAsync(() => host.Cloud.Sent.Any(m => m.Type == "OfferTriggered"), "the offer sent");
        var sent = host.Cloud.Sent.Single(m => m.Type == "OfferTriggered");
        string payload = System.Text.Encoding.UTF8.GetString(sent.Payload);
        Assert.Equal(("offers", "offer"), (sent.Stream, sent.Class.Name));
        Assert.Contains($"\"subject\":\"{lingering}\"", payload, StringComparison.Ordinal);
        Assert.DoesNotContain("0001abcd", payload, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("ib:", payload, StringComparison.Ordinal);
    }
}
