using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Edge.Cloud.Transport;
using Edge.Gateway.Omnichannel;
using Edge.Gateway.Shelves;
using Edge.Gateway.StoreData;
using Edge.Gateway.Tests.Commands;
using Edge.Promotions;

namespace Edge.Gateway.Tests.Omnichannel;

/// <summary>Store data, prices and availability through the gateway's own composition and its HTTP endpoints.</summary>
public sealed class OmnichannelHostTests : IDisposable
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-omni-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ForRandomCatalogsAndPromotions_TheApiPrice_IsTheEnginesPrice()
    {
        await using CommandHost host = await CommandHost.StartAsync(_dir);
        var random = new Random(4242);
        DateTimeOffset day = new(2026, 12, 4, 0, 0, 0, TimeSpan.FromHours(9));
        for (int round = 1; round <= 5; round++)
        {
            string[] skus = [.. Enumerable.Range(0, 20).Select(i => $"R{round}-{i}")];
            string[] categories = ["snacks", "drinks", "dairy"];
            var catalog = skus.Select(s => (s, price: random.Next(0, 5000))).Select(p => new
            {
                sku = p.s,
                name = new { ja = "商品 " + p.s, en = "Product " + p.s },
                p.price,
                currency = "JPY",
                category = categories[random.Next(3)],
                minPrice = random.Next(4) == 0 ? random.Next(0, p.price + 1) : (int?)null,
            }).ToArray();
            string[] types = ["percent", "amount", "price"];
            string[] days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
            var promotions = Enumerable.Range(0, 30).Select(i => new
            {
                id = $"P{round}-{i:D2}",
                version = round,
                skus = skus.Where(_ => random.Next(5) == 0).ToArray(),
                category = categories[random.Next(3)],
                discount = new { type = types[random.Next(3)], value = random.Next(0, 100) },
                channels = random.Next(3) == 0 ? new[] { "store" } : new[] { "online", "store", "app" },
                priority = random.Next(-2, 3),
                stackable = random.Next(4) != 0,
                start = day.AddHours(random.Next(0, 24)),
                end = day.AddHours(random.Next(25, 72)),
                dayparts = random.Next(3) == 0 ? new[] { new { days = new[] { days[random.Next(7)] }, from = "17:00", to = "02:00" } } : null,
            }).ToArray();
            Assert.Equal(200, (await host.Cloud.DeliverAsync(InboundKind.Data, StoreDataKinds.Catalog, JsonSerializer.Serialize(new { version = round, items = catalog })))!.Value.Status);
            var stored = await host.Cloud.DeliverAsync(InboundKind.Data, StoreDataKinds.Promotions, JsonSerializer.Serialize(new { version = round, items = promotions }));
            Assert.Equal(200, stored!.Value.Status);

            Promotion[] engineSet = [.. promotions.OrderBy(p => p.id, StringComparer.Ordinal).Select(p => PromotionJson.ReadPromotion(JsonSerializer.SerializeToElement(p), "p"))];
            foreach (var product in catalog)
            {
                DateTimeOffset at = day.AddMinutes(random.Next(0, 72 * 60));
                string channel = new[] { "store", "online", "app" }[random.Next(3)];
                JsonElement answer = await host.Http.GetFromJsonAsync<JsonElement>($"/api/prices?sku={product.sku}&channel={channel}&at={Uri.EscapeDataString(at.ToString("O"))}");

                Evaluation expected = PromotionEngine.Evaluate(new Product(product.sku, product.price, "JPY", product.category, product.minPrice), at,
                    PromotionJson.ParseChannel(channel, "channel"), Tokyo, engineSet);
                Assert.Equal(expected.Price, answer.GetProperty("price").GetInt64());
                Assert.Equal(product.price, answer.GetProperty("basePrice").GetInt64());
                Assert.Equal(expected.PromotionIds, answer.GetProperty("promotions").EnumerateArray().Select(p => p.GetProperty("id").GetString()!));
                Assert.Equal("catalog", answer.GetProperty("priceSource").GetString());
                Assert.Equal(round, answer.GetProperty("versions").GetProperty("promotions").GetInt64());
            }
        }
    }

    [Fact]
    public async Task WithNoCatalog_TheShelfPriceIsTheFallback_AndBadQueriesAreRefused()
    {
        await using CommandHost host = await CommandHost.StartAsync(_dir);
        ShelfOptions shelf = host.Get<ShelfLayout>().Shelves[0];

        JsonElement answer = await host.Http.GetFromJsonAsync<JsonElement>($"/api/prices?sku={shelf.Sku}");
        HttpResponseMessage unknown = await host.Http.GetAsync("/api/prices?sku=NOPE");
        HttpResponseMessage noOffset = await host.Http.GetAsync($"/api/prices?sku={shelf.Sku}&at=2026-12-01T10:00:00");
        HttpResponseMessage badChannel = await host.Http.GetAsync($"/api/prices?sku={shelf.Sku}&channel=fax");

        Assert.Equal("shelf", answer.GetProperty("priceSource").GetString());
        Assert.Equal((long)shelf.Price, answer.GetProperty("basePrice").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noOffset.StatusCode);
        Assert.Contains("offset", await noOffset.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badChannel.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Http.GetAsync("/api/availability?sku=")).StatusCode);
        HttpResponseMessage garbage = await host.Http.GetAsync($"/api/prices?sku={shelf.Sku}&at=garbage");
        Assert.Contains("not an ISO 8601 instant", await garbage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGapAsksForOneSnapshot_KeepsWhatItHas_AndTheSnapshotClosesIt()
    {
        await using CommandHost host = await CommandHost.StartAsync(_dir);
        string Stock(string sku, int n) => $"{{\"sku\":\"{sku}\",\"available\":{n},\"asOf\":\"{DateTimeOffset.UtcNow:O}\"}}";
        await host.Cloud.DeliverAsync(InboundKind.Data, StoreDataKinds.OnlineStock, $"{{\"version\":1,\"items\":[{Stock("a", 5)}]}}");

        var first = await host.Cloud.DeliverAsync(InboundKind.Data, StoreDataKinds.OnlineStock, $"{{\"version\":4,\"baseVersion\":3,\"upsert\":[{Stock("a", 0)}]}}");
        var second = await host.Cloud.DeliverAsync(InboundKind.Data, StoreDataKinds.OnlineStock, $"{{\"version\":5,\"baseVersion\":4,\"upsert\":[{Stock("a", 1)}]}}");
        await CommandHost.WaitUntilAsync(() => host.Cloud.Sent.Any(m => m.Type == "SnapshotRequested"), "a snapshot request");
        Assert.Equal(5, host.Get<StoreDataView>().Online("a")!.Available);

        var snapshot = await host.Cloud.DeliverAsync(InboundKind.Data, StoreDataKinds.OnlineStock, $"{{\"version\":5,\"items\":[{Stock("a", 1)}]}}");
        var next = await host.Cloud.DeliverAsync(InboundKind.Data, StoreDataKinds.OnlineStock, $"{{\"version\":6,\"baseVersion\":5,\"upsert\":[{Stock("a", 2)}]}}");

        Assert.Equal(409, first!.Value.Status);
        Assert.True(first.Value.Body.GetProperty("snapshotRequested").GetBoolean());
        Assert.Equal(409, second!.Value.Status);
        Assert.False(second.Value.Body.GetProperty("snapshotRequested").GetBoolean());
        Assert.Equal(200, snapshot!.Value.Status);
        Assert.Equal(200, next!.Value.Status);
        Assert.Equal(2, host.Get<StoreDataView>().Online("a")!.Available);
        var request = Assert.Single(host.Cloud.Sent, m => m.Type == "SnapshotRequested");
        using JsonDocument body = JsonDocument.Parse(request.Payload);
        Assert.Equal("online-stock", body.RootElement.GetProperty("kind").GetString());
        Assert.Equal(1, body.RootElement.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Availability_IsShelfCountsLessHeldReservations_AndReachesTheCloud()
    {
        await using CommandHost host = await CommandHost.StartAsync(_dir);
        ShelfOptions shelf = host.Get<ShelfLayout>().Shelves[0];
        int count = host.Get<StockBoard>().Get(shelf.Id)!.Count;
        DateTimeOffset now = DateTimeOffset.UtcNow;
        string Line(string order, int quantity, string status, DateTimeOffset pickupBy) =>
            $"{{\"orderId\":\"{order}\",\"sku\":\"{shelf.Sku}\",\"quantity\":{quantity},\"status\":\"{status}\",\"pickupBy\":\"{pickupBy:O}\"}}";
        string items = string.Join(",", Line("o-held", 2, "reserved", now.AddHours(2)), Line("o-late", 3, "reserved", now.AddHours(-1)),
            Line("o-picked", 4, "picked", now.AddHours(2)), Line("o-gone", 5, "cancelled", now.AddHours(2)));

        Assert.Equal(200, (await host.Cloud.DeliverAsync(InboundKind.Data, StoreDataKinds.Reservations, $"{{\"version\":1,\"items\":[{items}]}}"))!.Value.Status);
        SkuAvailability a = await host.Http.GetFromJsonAsync<SkuAvailability>($"/api/availability?sku={shelf.Sku}", new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException("no answer");

        Assert.Equal(2, a.Reserved);
        Assert.Equal(["o-held"], a.Orders);
        Assert.Equal(count, a.ShelfUnits);
        Assert.Equal(Math.Max(0, count - 2), a.InStore);
        Assert.Null(a.Online);
        await CommandHost.WaitUntilAsync(() => host.Cloud.Sent.Any(m => m.Type == "Availability" && Encoding.UTF8.GetString(m.Payload).Contains($"\"reserved\":2", StringComparison.Ordinal)),
            "the availability with the reservation at the cloud");
    }
}
