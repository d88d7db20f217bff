using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Xunit.Abstractions;

namespace Edge.Gateway.Tests.Signage.Browser;

/// <summary>A promotion sent by the cloud over a real Mosquitto reaches the screen, and leaves it at its end by the page's own clock.</summary>
[Collection(BrowserTests.Name)]
public sealed class PromotionEndTests(BrowserFixture browser, CloudStore cloud, ITestOutputHelper output) : IClassFixture<CloudStore>
{
    private const string Promotion = "flash-6s";

    /// <summary>The page checks its edges every 250 ms; a second is the issue's bound.</summary>
    private static readonly TimeSpan RevertBound = TimeSpan.FromSeconds(1);

    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    [Fact]
    public async Task APromotionFromTheCloud_ShowsOnTheTile_AndTheTileRevertsAtItsEnd_WithTheStreamCut()
    {
        StoreGateway gateway = cloud.Gateway;
        string sku = await cloud.SkuOfAsync("D-01");
        string tile = $"article.tile[data-sku=\"{sku}\"]";
        using var cable = new NetworkCable(gateway.Port);
        await using WatchedPage page = await browser.OpenAsync();
        await page.GotoScreenAsync($"http://127.0.0.1:{cable.Port}/signage/drinks");
        await page.Page.WaitForFunctionAsync("t => document.querySelector(t)?.dataset.price === '200' && document.querySelector(t).dataset.promotionId === ''", tile, new() { Timeout = 5_000 });

        // Act 1: a promotion that ends six seconds from now.
        DateTimeOffset end = DateTimeOffset.UtcNow.AddSeconds(6);
        JsonElement reply = await cloud.PublishAsync("promotions", $"\"items\":[{{\"id\":\"{Promotion}\",\"version\":3,\"skus\":[\"{sku}\"],\"discount\":{{\"type\":\"amount\",\"value\":50}},"
            + $"\"channels\":[\"store\"],\"start\":\"{end.AddMinutes(-10):O}\",\"end\":\"{end:O}\",\"title\":{{\"ja\":\"6秒セール\",\"en\":\"6-second sale\"}}}}]");
        Assert.Equal(200, reply.GetProperty("status").GetInt32());
        await page.Page.WaitForFunctionAsync("([t, id]) => document.querySelector(t)?.dataset.promotionId === id", new[] { tile, Promotion }, new() { Timeout = 3_000 });

        Assert.Equal("150", await page.TileAttributeAsync(sku, "data-price"));
        Assert.Equal("200", await page.TileAttributeAsync(sku, "data-base-price"));
        Assert.Equal("3", await page.TileAttributeAsync(sku, "data-promotion-version"));
        Assert.Equal("line-through", await page.Page.EvalOnSelectorAsync<string>($"{tile} .base", "e => getComputedStyle(e).textDecorationLine"));
        Assert.Contains("6秒セール", await page.Page.InnerTextAsync($"{tile} .promo"), StringComparison.Ordinal);

        // Act 2: cut the page off the gateway, then wait for the end.
        await page.Context.SetOfflineAsync(true);
        cable.Pull();
        await page.Page.WaitForFunctionAsync("() => document.getElementById('link').className === 'down'", null, new() { Timeout = 3_000 });
        await EventuallyAsync(async () => Screen(await gateway.GetAsync("/api/screens"), "drinks").GetProperty("connectedPlayers").GetInt32() == 0,
            "the gateway streaming to no player of drinks (the stream cut)");
        TimeSpan spare = end - DateTimeOffset.UtcNow;
        Assert.True(spare > TimeSpan.FromMilliseconds(500), $"the stream was cut only {spare.TotalMilliseconds:F0} ms before the end: nothing would be proven");
        await page.WatchTileAsync(sku, "data-promotion-id", Promotion);
        (DateTimeOffset reverted, string? id) = await page.ChangedAsync(spare + TimeSpan.FromSeconds(3), "the promotion gone at its end");

        TimeSpan late = reverted - DateTimeOffset.FromUnixTimeMilliseconds(end.ToUnixTimeMilliseconds());
        output.WriteLine($"cut {spare.TotalMilliseconds:F0} ms before the end; the tile reverted {late.TotalMilliseconds:F0} ms after the end");
        Assert.Equal("", id);
        Assert.True(late >= TimeSpan.Zero, $"the tile reverted {-late.TotalMilliseconds:F0} ms before the promotion's end");
        Assert.True(late < RevertBound, $"the tile reverted {late.TotalMilliseconds:F0} ms after the promotion's end");
        Assert.Equal("200", await page.TileAttributeAsync(sku, "data-price"));
        Assert.Equal("", await page.TileAttributeAsync(sku, "data-promotion-version"));
        Assert.Equal(0, await page.Page.Locator($"{tile} .base").CountAsync());
        Assert.Equal(0, await page.Page.Locator($"{tile} .promo").CountAsync());
        Assert.Equal("down", await page.Page.GetAttributeAsync("#link", "class")); // still cut: the page did it alone
        // The gateway agrees, at its next recomputation (every second).
        await EventuallyAsync(async () => Tile(await gateway.ContentAsync("drinks"), sku).GetProperty("promotion").ValueKind == JsonValueKind.Null, "the gateway's content without the promotion");
        await page.AssertNoErrorsAsync(networkMayFail: true);
    }

    [Fact]
    public async Task ADaypartPromotion_TellsThePageWhenTodaysWindowEnds_SoItCanRevertWithTheStreamDown()
    {
        // An evening-sale shape (README, Store data): a month-long promotion, on only inside today's daypart, which ends in 2 to 3 minutes.
        StoreGateway gateway = cloud.Gateway;
        string sku = await cloud.SkuOfAsync("D-02");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        DateTime local = TimeZoneInfo.ConvertTime(now, Tokyo).DateTime;
        DateTime minute = new(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0, DateTimeKind.Unspecified);
        DateTime to = minute.AddMinutes(3);
        var windowEnds = new DateTimeOffset(to, Tokyo.GetUtcOffset(to));
        string days = "\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"";
        JsonElement reply = await cloud.PublishAsync("promotions", $"\"items\":[{{\"id\":\"evening\",\"version\":1,\"skus\":[\"{sku}\"],\"discount\":{{\"type\":\"percent\",\"value\":20}},"
            + $"\"channels\":[\"store\"],\"start\":\"{now.AddDays(-1):O}\",\"end\":\"{now.AddDays(30).AddHours(5):O}\","
            + $"\"dayparts\":[{{\"days\":[{days}],\"from\":\"{minute.AddMinutes(-1):HH:mm}\",\"to\":\"{to:HH:mm}\"}}],\"title\":{{\"ja\":\"夕方セール\",\"en\":\"Evening sale\"}}}}]");
        Assert.Equal(200, reply.GetProperty("status").GetInt32());
        await EventuallyAsync(async () => Tile(await gateway.ContentAsync("drinks"), sku).GetProperty("price").GetDecimal() == 160m, "the daypart's price in the content");

        await using WatchedPage page = await browser.OpenAsync();
        await page.GotoScreenAsync($"{gateway.BaseUrl}/signage/drinks");

        // What the page holds, inline, is all it has once the stream is down.
        JsonElement held = await page.Page.EvaluateAsync<JsonElement>($"() => JSON.parse(document.getElementById('content').textContent).tiles.find(t => t.sku === '{sku}')");
        Assert.Equal("evening", await page.TileAttributeAsync(sku, "data-promotion-id"));
        Assert.Equal("160", await page.TileAttributeAsync(sku, "data-price"));
        string label = await page.Page.InnerTextAsync($"article.tile[data-sku=\"{sku}\"] .promo .until");
        bool labelled = label.Contains(to.ToString("HH:mm", CultureInfo.InvariantCulture), StringComparison.Ordinal);
        bool told = held.GetProperty("until").ValueKind == JsonValueKind.String
            && DateTimeOffset.Parse(held.GetProperty("until").GetString()!, CultureInfo.InvariantCulture) == windowEnds;
        Assert.True(labelled && told, $"today's window ends at {to:HH:mm} store time ({windowEnds:O}), but the tile says '{label}' (the promotion's end, not the daypart's) "
            + $"and the page was told the price changes at {held.GetProperty("until").GetRawText()}: with the stream down it would keep the sale on");
        await page.AssertNoErrorsAsync();
    }

    private static JsonElement Screen(JsonElement screens, string id) => screens.EnumerateArray().Single(s => s.GetProperty("id").GetString() == id);

    private static JsonElement Tile(JsonElement content, string sku) => content.GetProperty("tiles").EnumerateArray().Single(t => t.GetProperty("sku").GetString() == sku);

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"not within 3 s: {what}");
            await Task.Delay(50);
        }
    }
}
