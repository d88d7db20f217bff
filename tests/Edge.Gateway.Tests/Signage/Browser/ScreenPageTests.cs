using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Edge.Gateway.Tests.Signage.Browser;

/// <summary>The screens' pages in a real Chromium, against the demo store: what they show, from where, in which font.</summary>
[Collection(BrowserTests.Name)]
public sealed partial class ScreenPageTests(BrowserFixture browser, DemoStore demo)
{
    public static readonly TheoryData<string> Screens = new() { "drinks", "snacks", "daily" };

    private StoreGateway Gateway => demo.Gateway;

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task EachScreen_ShowsItsZonesProductsInOrder_WithWhatItsContentAndThePricesSay(string screenId)
    {
        string zone = (await Gateway.GetAsync("/api/screens")).EnumerateArray().Single(s => s.GetProperty("id").GetString() == screenId).GetProperty("zone").GetString()!;
        List<string> zoneSkus = [.. (await Gateway.GetAsync("/api/stock")).EnumerateArray()
            .Where(r => r.GetProperty("zone").GetString() == zone).Select(r => r.GetProperty("sku").GetString()!).Distinct()];
        Assert.Equal(4, zoneSkus.Count);
        await using WatchedPage page = await browser.OpenAsync();

        await page.GotoScreenAsync($"{Gateway.BaseUrl}/signage/{screenId}");

        // The demo's online shop moves stock on its own: compare until the page shows what the gateway says, or fail with the difference.
        string? difference = "nothing compared yet";
        List<JsonElement> tiles = [];
        var clock = Stopwatch.StartNew();
        while (difference is not null && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            JsonElement content = await Gateway.ContentAsync(screenId);
            tiles = await page.TilesAsync();
            var prices = new Dictionary<string, JsonElement>();
            foreach (JsonElement tile in tiles)
            {
                prices[tile.GetProperty("sku").GetString()!] = await Gateway.PriceAsync(tile.GetProperty("sku").GetString()!);
            }

            bool settled = (await Gateway.ContentAsync(screenId)).GetProperty("version").GetInt64() == content.GetProperty("version").GetInt64();
            difference = Difference(content, tiles, prices, DateTimeOffset.UtcNow) ?? (settled ? null : "the content changed while it was compared");
            if (difference is not null)
            {
                await Task.Delay(200);
            }
        }

        Assert.True(difference is null, $"{screenId}: {difference}");
        Assert.Equal(zoneSkus, tiles.Select(t => t.GetProperty("sku").GetString()!));
        JsonElement shown = await Gateway.ContentAsync(screenId);
        int perPage = shown.GetProperty("perPage").GetInt32();
        List<int> visible = [.. tiles.Select((t, i) => (t, i)).Where(x => !x.t.GetProperty("off").GetBoolean()).Select(x => x.i)];
        Assert.NotEmpty(visible);
        Assert.Equal(Enumerable.Range(visible[0], Math.Min(perPage, tiles.Count - visible[0])), visible); // one page of the list, in order
        Assert.Equal(0, visible[0] % perPage);
        await page.AssertNoErrorsAsync();
    }

    [Fact]
    public async Task EveryPage_RendersWithNoNetworkButTheGateway_AndSetsJapaneseInTheSystemsCjkFont()
    {
        foreach (string path in (string[])["/signage/drinks", "/signage/snacks", "/signage/daily", "/"])
        {
            await using WatchedPage page = await browser.OpenAsync();
            var elsewhere = new List<string>();
            string gatewayHost = $"127.0.0.1:{Gateway.Port}";
            await page.Context.RouteAsync("**/*", async route =>
            {
                var url = new Uri(route.Request.Url);
                if (url.Scheme is "http" or "https" && $"{url.Host}:{url.Port}" == gatewayHost)
                {
                    await route.ContinueAsync();
                    return;
                }

                lock (elsewhere)
                {
                    elsewhere.Add(route.Request.Url);
                }

                await route.AbortAsync();
            });

            await page.Page.GotoAsync(Gateway.BaseUrl + path);
            string rows = path == "/" ? "tr[data-shelf]" : "article.tile";
            await page.Page.WaitForFunctionAsync($"() => document.querySelectorAll('{rows}').length > 0", null, new() { Timeout = 10_000 });
            await page.Page.EvaluateAsync("() => document.fonts.ready");

            lock (elsewhere)
            {
                Assert.True(elsewhere.Count == 0, $"{path} asked for more than the gateway: {string.Join(", ", elsewhere)}");
            }

            if (path != "/")
            {
                await AssertSetInCjkFontAsync(page, path);
            }

            await page.AssertNoErrorsAsync();
        }
    }

    [Fact]
    public async Task AnUnknownScreen_IsA404PageThatLinksToEachScreen()
    {
        await using WatchedPage page = await browser.OpenAsync();

        IResponse? response = await page.Page.GotoAsync($"{Gateway.BaseUrl}/signage/nope");

        Assert.Equal(404, response!.Status);
        Assert.Contains("nope", await page.Page.InnerTextAsync("h1"), StringComparison.Ordinal);
        string[] links = [.. await page.Page.Locator("li a").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))")];
        Assert.Equal(["/signage/drinks", "/signage/snacks", "/signage/daily"], links);
        Assert.Equal(["drinks", "snacks", "daily"], await page.Page.Locator("li a").AllInnerTextsAsync());
        await page.Page.Locator("li a", new() { HasText = "snacks" }).ClickAsync();
        await page.Page.WaitForURLAsync($"{Gateway.BaseUrl}/signage/snacks", new() { Timeout = 10_000 });
        await page.Page.WaitForFunctionAsync("() => document.querySelectorAll('article.tile').length === 4", null, new() { Timeout = 10_000 });
        await page.AssertNoErrorsAsync(expectedAt: $"{Gateway.BaseUrl}/signage/nope"); // Chromium logs the 404 document itself
    }

    [Fact]
    public async Task EveryPage_HasAnIcon_SoAKioskBrowserLogsNo404ForIt()
    {
        foreach (string path in (string[])["/signage/drinks", "/", "/signage/nope"])
        {
            await using WatchedPage page = await browser.OpenAsync();
            await page.Page.GotoAsync(Gateway.BaseUrl + path);

            // Chromium asks for /favicon.ico unless the page names an icon, and logs a console error when it is a 404.
            bool found = await page.Page.EvaluateAsync<bool>("async () => !!document.querySelector('link[rel~=\"icon\"]') || (await fetch('/favicon.ico')).ok");

            Assert.True(found, $"{path} names no icon and GET /favicon.ico is {(int)(await Gateway.Http.GetAsync("/favicon.ico")).StatusCode}: every kiosk load logs a 404");
        }
    }

    [Fact]
    public async Task AnUncaughtErrorOnAScreen_IsSeenByTheTests_ThoughThePageHidesItFromTheConsole()
    {
        await using WatchedPage page = await browser.OpenAsync();
        await page.GotoScreenAsync($"{Gateway.BaseUrl}/signage/drinks");

        await page.Page.EvaluateAsync("() => setTimeout(() => { throw new Error('planted'); })");
        await page.Page.WaitForFunctionAsync("() => window.__pageErrors.length > 0", null, new() { Timeout = 5_000 });

        var caught = await Assert.ThrowsAnyAsync<Xunit.Sdk.XunitException>(() => page.AssertNoErrorsAsync());
        Assert.Contains("planted", caught.Message, StringComparison.Ordinal);
    }

    private static async Task AssertSetInCjkFontAsync(WatchedPage page, string path)
    {
        ICDPSession cdp = await page.Context.NewCDPSessionAsync(page.Page);
        await cdp.SendAsync("DOM.enable");
        await cdp.SendAsync("CSS.enable");
        JsonElement document = (await cdp.SendAsync("DOM.getDocument", new() { ["depth"] = 0 }))!.Value;
        JsonElement name = (await cdp.SendAsync("DOM.querySelector", new() { ["nodeId"] = document.GetProperty("root").GetProperty("nodeId").GetInt32(), ["selector"] = "article.tile:not(.off) .name" }))!.Value;
        JsonElement fonts = (await cdp.SendAsync("CSS.getPlatformFontsForNode", new() { ["nodeId"] = name.GetProperty("nodeId").GetInt32() }))!.Value;
        string text = await page.Page.InnerTextAsync("article.tile:not(.off) .name");
        double width = await page.Page.EvaluateAsync<double>("() => document.querySelector('article.tile:not(.off) .name').getBoundingClientRect().width");

        Assert.Matches(Japanese(), text);
        Assert.True(width > 0, $"{path}: '{text}' has no width");
        List<(string Family, int Glyphs)> used = [.. fonts.GetProperty("fonts").EnumerateArray().Select(f => (f.GetProperty("familyName").GetString()!, f.GetProperty("glyphCount").GetInt32()))];
        Assert.True(used.Count > 0 && used.All(f => f.Family == "Noto Sans CJK JP" && f.Glyphs > 0), $"{path}: '{text}' is drawn in {string.Join(", ", used)}, not all in Noto Sans CJK JP");
        await cdp.DetachAsync();
    }

    /// <summary>What differs between the page's tiles and the content (and the prices), or null when nothing does.</summary>
    private static string? Difference(JsonElement content, List<JsonElement> tiles, Dictionary<string, JsonElement> prices, DateTimeOffset now)
    {
        int digits = content.GetProperty("currencyDigits").GetInt32();
        List<JsonElement> expected = [.. content.GetProperty("tiles").EnumerateArray()];
        if (expected.Count != tiles.Count)
        {
            return $"{tiles.Count} tiles on the page, {expected.Count} in the content";
        }

        for (int i = 0; i < tiles.Count; i++)
        {
            JsonElement t = expected[i];
            // The page applies `then` by its own clock once `until` passed.
            bool passed = t.GetProperty("until").ValueKind != JsonValueKind.Null && t.GetProperty("then").ValueKind != JsonValueKind.Null
                && DateTimeOffset.Parse(t.GetProperty("until").GetString()!, CultureInfo.InvariantCulture) <= now;
            JsonElement state = passed ? t.GetProperty("then") : t;
            JsonElement promotion = state.GetProperty("promotion");
            string sku = t.GetProperty("sku").GetString()!;
            JsonElement price = prices[sku];
            long minor = price.GetProperty("price").GetInt64(), baseMinor = price.GetProperty("basePrice").GetInt64();
            JsonElement[] applied = [.. price.GetProperty("promotions").EnumerateArray()];
            (string Name, string? Page, string? Expected)[] checks =
            [
                ("sku", tiles[i].GetProperty("sku").GetString(), sku),
                ("data-price", tiles[i].GetProperty("price").GetString(), Fixed(state.GetProperty("price"), digits)),
                ("data-base-price", tiles[i].GetProperty("basePrice").GetString(), Fixed(state.GetProperty("basePrice"), digits)),
                ("data-count", tiles[i].GetProperty("count").GetString(), Text(t.GetProperty("count"))),
                ("data-online", tiles[i].GetProperty("online").GetString(), Text(t.GetProperty("online"))),
                ("data-promotion-id", tiles[i].GetProperty("promotionId").GetString(), promotion.ValueKind == JsonValueKind.Null ? "" : promotion.GetProperty("id").GetString()),
                ("data-promotion-version", tiles[i].GetProperty("promotionVersion").GetString(), promotion.ValueKind == JsonValueKind.Null ? "" : Text(promotion.GetProperty("version"))),
                ("data-price vs /api/prices", tiles[i].GetProperty("price").GetString(), StoreGateway.Major(minor, digits)),
                ("data-base-price vs /api/prices", tiles[i].GetProperty("basePrice").GetString(), StoreGateway.Major(baseMinor, digits)),
                ("data-promotion-id vs /api/prices", tiles[i].GetProperty("promotionId").GetString(), applied.Length > 0 && minor < baseMinor ? applied[0].GetProperty("id").GetString() : ""),
                (".base struck through", tiles[i].GetProperty("struck").GetBoolean() ? "shown" : "absent", minor < baseMinor ? "shown" : "absent"),
            ];
            foreach ((string what, string? onPage, string? wanted) in checks)
            {
                if (onPage != wanted)
                {
                    return $"tile {i} ({sku}) {what}: page '{onPage}', expected '{wanted}'";
                }
            }
        }

        return null;
    }

    private static string Fixed(JsonElement value, int digits) =>
        value.GetDecimal().ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.Null ? "" : value.GetRawText();

    [GeneratedRegex(@"[\u3040-\u30ff\u4e00-\u9fff]")]
    private static partial Regex Japanese();
}
