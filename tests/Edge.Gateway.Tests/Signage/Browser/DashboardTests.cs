using System.Globalization;
using System.Text.Json;

namespace Edge.Gateway.Tests.Signage.Browser;

/// <summary>The store dashboard (<c>/</c>) in a real Chromium: every shelf with its count, the screens, a pick button that works.</summary>
[Collection(BrowserTests.Name)]
public sealed class DashboardTests(BrowserFixture browser, QuietStore quiet)
{
    [Fact]
    public async Task TheDashboard_ShowsEveryShelfWithItsCount_AndTheScreens_AndAPickButtonTakesAnItem()
    {
        StoreGateway gateway = quiet.Gateway;
        await using WatchedPage page = await browser.OpenAsync();

        await page.Page.GotoAsync(gateway.BaseUrl + "/");
        await page.Page.WaitForFunctionAsync("() => document.querySelectorAll('tr[data-shelf]').length === 12 && [...document.querySelectorAll('tr[data-shelf]')].every(r => r.dataset.count !== '')",
            null, new() { Timeout = 10_000 });

        List<JsonElement> stock = [.. (await gateway.GetAsync("/api/stock")).EnumerateArray()];
        string[] shelves = await page.Page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('tr[data-shelf]')].map(r => r.dataset.shelf)");
        Assert.Equal(stock.Select(r => r.GetProperty("shelfId").GetString()!), shelves);
        foreach (JsonElement row in stock)
        {
            string shelf = row.GetProperty("shelfId").GetString()!;
            string count = row.GetProperty("count").GetInt32().ToString(CultureInfo.InvariantCulture);
            // The dashboard follows its stream: the count /api/stock gives now, or the next state within its 2 s.
            await page.Page.WaitForFunctionAsync("([s, n]) => document.querySelector(`tr[data-shelf=\"${s}\"]`)?.dataset.count === n", new[] { shelf, count }, new() { Timeout = 5_000 });
        }

        string[] links = await page.Page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#screens tr[data-screen] a')].map(a => a.getAttribute('href'))");
        Assert.Equal(["/signage/drinks", "/signage/snacks", "/signage/daily"], links);

        int before = (await gateway.CountAsync("H-02"))!.Value;
        await page.Page.Locator("button[data-shelf=\"H-02\"][data-act=\"pick\"]").ClickAsync();
        string after = (before - 1).ToString(CultureInfo.InvariantCulture);
        await page.Page.WaitForFunctionAsync("n => document.querySelector('tr[data-shelf=\"H-02\"]')?.dataset.count === n", after, new() { Timeout = 10_000 });

        Assert.Equal(before - 1, await gateway.CountAsync("H-02"));
        await page.AssertNoErrorsAsync();
    }
}
