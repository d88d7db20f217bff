using System.Globalization;
using System.Text.Json;
using Xunit.Abstractions;

namespace Edge.Gateway.Tests.Signage.Browser;

/// <summary>The page survives the gateway: SIGKILL leaves the last content on screen, and the restarted gateway's changes reach it.</summary>
[Collection(BrowserTests.Name)]
public sealed class RestartTests(BrowserFixture browser, ITestOutputHelper output)
{
    // Everything that is not a tile (or inside one) that ever appears in <main>, the fewest and most tiles seen, and
    // how many renders showed a tile with an unknown count.
    private const string WatchScreen = """
        () => {
          window.__foreign = []; window.__tiles = { min: 1e9, max: 0, unknownCounts: 0 };
          const main = document.getElementById("tiles");
          const look = () => {
            for (const c of main.children) if (!c.matches("article.tile")) window.__foreign.push(c.outerHTML.slice(0, 120));
            for (const c of document.body.children) if (!c.matches("header, main#tiles, #link, script")) window.__foreign.push(c.outerHTML.slice(0, 120));
            const n = main.querySelectorAll("article.tile").length;
            window.__tiles.min = Math.min(window.__tiles.min, n); window.__tiles.max = Math.max(window.__tiles.max, n);
            if (main.querySelector("article.tile[data-count='']")) window.__tiles.unknownCounts++;
          };
          look();
          new MutationObserver(look).observe(document.body, { childList: true, subtree: true });
        }
        """;

    [Fact]
    public async Task AGatewayRestart_LeavesTheLastContentOnScreen_AndThePageCatchesUpAfterwards()
    {
        using StoreGateway gateway = await StoreGateway.StartAsync(new Dictionary<string, string> { ["Simulation__OnlineShop"] = "false" });
        await using WatchedPage page = await browser.OpenAsync();
        string url = $"{gateway.BaseUrl}/signage/drinks";
        await page.GotoScreenAsync(url);
        await page.Page.WaitForFunctionAsync("() => [...document.querySelectorAll('article.tile')].every(a => a.dataset.count !== '')", null, new() { Timeout = 5_000 });
        string before = JsonSerializer.Serialize(await page.TilesAsync());
        string store = await page.Page.InnerTextAsync("#store");
        await page.Page.EvaluateAsync(WatchScreen);

        var refused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        page.Page.RequestFailed += (_, r) =>
        {
            if (r.Url.Contains("/signage/drinks/events", StringComparison.Ordinal) && r.Failure?.Contains("ERR_CONNECTION_REFUSED", StringComparison.Ordinal) == true)
            {
                refused.TrySetResult();
            }
        };

        // Act 1: the power goes.
        gateway.Kill();
        DateTimeOffset killed = DateTimeOffset.UtcNow;
        await page.Page.WaitForFunctionAsync("() => document.getElementById('link').className === 'down'", null, new() { Timeout = 5_000 });
        // The page's first retry comes 1 to 1.5 s later, and is refused: look again after it.
        await refused.Task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(url, page.Page.Url);
        Assert.Equal(before, JsonSerializer.Serialize(await page.TilesAsync()));
        Assert.Equal(store, await page.Page.InnerTextAsync("#store"));

        // Act 2: it comes back, and a shopper takes an item.
        DateTimeOffset restarting = DateTimeOffset.UtcNow;
        await gateway.StartAgainAsync();
        DateTimeOffset ready = DateTimeOffset.UtcNow;
        output.WriteLine($"the gateway was down {(ready - killed).TotalMilliseconds:F0} ms, {(ready - restarting).TotalMilliseconds:F0} ms of them starting again");
        // Backoff: 1 s doubling, each try + up to 0.5 s; the gateway was down for a few seconds, so the page retries within ~8.5 s.
        await page.Page.WaitForFunctionAsync("() => document.getElementById('link').className === ''", null, new() { Timeout = 20_000, PollingInterval = 50 });
        output.WriteLine($"the page reconnected {(DateTimeOffset.UtcNow - ready).TotalMilliseconds:F0} ms after the restarted gateway was ready");
        int count = (await gateway.CountAsync("D-04"))!.Value;
        string sku = (await gateway.GetAsync("/api/stock")).EnumerateArray().Single(r => r.GetProperty("shelfId").GetString() == "D-04").GetProperty("sku").GetString()!;
        await gateway.PickAsync("D-04");
        await gateway.WaitForCountAsync("D-04", count - 1, TimeSpan.FromSeconds(10));
        DateTimeOffset decided = DateTimeOffset.UtcNow;
        string expected = (count - 1).ToString(CultureInfo.InvariantCulture);
        await page.Page.WaitForFunctionAsync("([sku, n]) => document.querySelector(`article.tile[data-sku=\"${sku}\"]`)?.dataset.count === n",
            new[] { sku, expected }, new() { Timeout = 5_000, PollingInterval = 20 });
        output.WriteLine($"the restarted gateway's count reached the page {(DateTimeOffset.UtcNow - decided).TotalMilliseconds:F0} ms after /api/stock showed it");

        Assert.Equal(url, page.Page.Url);
        string[] foreign = await page.Page.EvaluateAsync<string[]>("() => window.__foreign");
        Assert.True(foreign.Length == 0, $"the page showed something other than its tiles: {string.Join(" | ", foreign)}");
        JsonElement tiles = await page.Page.EvaluateAsync<JsonElement>("() => window.__tiles");
        output.WriteLine($"renders with a count unknown after the restart (shelves not yet counted): {tiles.GetProperty("unknownCounts")}");
        Assert.Equal(4, tiles.GetProperty("min").GetInt32());
        Assert.Equal(4, tiles.GetProperty("max").GetInt32());
        await page.AssertNoErrorsAsync(networkMayFail: true);
    }
}
