using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Playwright;

namespace Edge.Gateway.Tests.Signage.Browser;

/// <summary>A page whose uncaught errors and console errors are recorded, and a reader of its tiles' <c>data-*</c>.</summary>
public sealed class WatchedPage : IAsyncDisposable
{
    // The screen page cancels window "error" events (so a kiosk shows nothing), which also hides them from Playwright's
    // PageError; this listener is installed before any page script and records them anyway.
    private const string CaptureErrors = """
        window.__pageErrors = [];
        window.addEventListener("error", e => { if (e instanceof ErrorEvent) window.__pageErrors.push(String(e.message)); }, true);
        window.addEventListener("unhandledrejection", e => window.__pageErrors.push("unhandled rejection: " + e.reason));
        """;

    private const string ReadTiles = """
        () => [...document.querySelectorAll("article.tile")].map(a => ({
          sku: a.dataset.sku, price: a.dataset.price, basePrice: a.dataset.basePrice, count: a.dataset.count, online: a.dataset.online,
          promotionId: a.dataset.promotionId, promotionVersion: a.dataset.promotionVersion, off: a.classList.contains("off"),
          struck: !!a.querySelector(".base") }))
        """;

    private readonly ConcurrentQueue<string> _pageErrors = new();
    private readonly ConcurrentQueue<string> _consoleErrors = new();

    private WatchedPage(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.PageError += (_, e) => _pageErrors.Enqueue(e);
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                _consoleErrors.Enqueue($"{m.Text} (at {m.Location})");
            }
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public static async Task<WatchedPage> CreateAsync(IBrowserContext context)
    {
        await context.AddInitScriptAsync(CaptureErrors);
        return new WatchedPage(context, await context.NewPageAsync());
    }

    /// <summary>Opens <paramref name="url"/> and waits until its tiles are rendered; returns the response status.</summary>
    public async Task<int> GotoScreenAsync(string url)
    {
        IResponse? response = await Page.GotoAsync(url);
        Assert.NotNull(response);
        await Page.WaitForFunctionAsync("() => document.querySelectorAll('article.tile').length > 0", null, new() { Timeout = 10_000 });
        return response.Status;
    }

    /// <summary>Every tile in the DOM, in order: sku, price, basePrice, count, online, promotionId, promotionVersion, off, struck.</summary>
    public async Task<List<JsonElement>> TilesAsync() => [.. (await Page.EvaluateAsync<JsonElement>(ReadTiles)).EnumerateArray()];

    /// <summary>One tile's attribute as the page shows it now.</summary>
    public Task<string?> TileAttributeAsync(string sku, string attribute) =>
        Page.EvaluateAsync<string?>("([sku, name]) => document.querySelector(`article.tile[data-sku=\"${sku}\"]`)?.getAttribute(name) ?? null", new[] { sku, attribute });

    /// <summary>
    /// Records in the page the instant (its <c>Date.now()</c>) a tile's <paramref name="attribute"/> first differs from
    /// <paramref name="from"/>, as the DOM changes, in <c>window.__changed</c>: <c>{at, value}</c>. One watch at a time.
    /// </summary>
    public Task WatchTileAsync(string sku, string attribute, string from) => Page.EvaluateAsync("""
        ([sku, name, from]) => {
          window.__watch?.disconnect();
          window.__changed = null;
          const look = () => {
            const a = document.querySelector(`article.tile[data-sku="${sku}"]`);
            if (window.__changed === null && a && a.getAttribute(name) !== from) window.__changed = { at: Date.now(), value: a.getAttribute(name) };
          };
          window.__watch = new MutationObserver(look);
          window.__watch.observe(document.getElementById("tiles"), { childList: true, subtree: true, attributes: true });
        }
        """, new[] { sku, attribute, from });

    /// <summary>Waits for the change <see cref="WatchTileAsync"/> watches; returns when it happened (by the page's clock) and the new value.</summary>
    public async Task<(DateTimeOffset At, string? Value)> ChangedAsync(TimeSpan timeout, string what)
    {
        try
        {
            await Page.WaitForFunctionAsync("() => window.__changed !== null", null, new() { Timeout = (float)timeout.TotalMilliseconds, PollingInterval = 20 });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the page did not show {what} within {timeout}; its tiles: {JsonSerializer.Serialize(await TilesAsync())}");
        }

        JsonElement changed = await Page.EvaluateAsync<JsonElement>("() => window.__changed");
        return (DateTimeOffset.FromUnixTimeMilliseconds((long)changed.GetProperty("at").GetDouble()), changed.GetProperty("value").GetString());
    }

    /// <summary>
    /// No uncaught error, and no console error; when <paramref name="networkMayFail"/>, except requests that failed
    /// because the gateway or the network was down; and except errors at <paramref name="expectedAt"/> (a URL that is meant to
    /// fail, such as a 404 page). A 404 for <c>/favicon.ico</c> is left to its own test.
    /// </summary>
    public async Task AssertNoErrorsAsync(bool networkMayFail = false, string? expectedAt = null, int[]? expectedStatuses = null)
    {
        string[] caught = await Page.EvaluateAsync<string[]>("() => window.__pageErrors || []");
        Assert.True(_pageErrors.IsEmpty && caught.Length == 0, $"uncaught errors in {Page.Url}: {string.Join("; ", _pageErrors.Concat(caught))}");
        List<string> console = [.. _consoleErrors.Where(e => !IsFavicon(e) && !(networkMayFail && IsNetworkFailure(e))
            && !(expectedAt is not null && e.EndsWith($"(at {expectedAt}:0:0)", StringComparison.Ordinal))
            && !(expectedStatuses ?? []).Any(status => e.Contains($"status of {status} ", StringComparison.Ordinal)))];
        Assert.True(console.Count == 0, $"console errors in {Page.Url}:\n{string.Join("\n", console)}");
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();

    private static bool IsFavicon(string error) => error.Contains("/favicon.ico", StringComparison.Ordinal);

    private static bool IsNetworkFailure(string error) =>
        error.Contains("net::ERR_CONNECTION_REFUSED", StringComparison.Ordinal) || error.Contains("net::ERR_CONNECTION_RESET", StringComparison.Ordinal)
        || error.Contains("net::ERR_INTERNET_DISCONNECTED", StringComparison.Ordinal) || error.Contains("net::ERR_EMPTY_RESPONSE", StringComparison.Ordinal)
        || error.Contains("net::ERR_CONNECTION_CLOSED", StringComparison.Ordinal) || error.Contains("net::ERR_INCOMPLETE_CHUNKED_ENCODING", StringComparison.Ordinal);
}
