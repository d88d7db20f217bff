using Microsoft.Playwright;

namespace Edge.Gateway.Tests.Signage.Browser;

/// <summary>The system Chromium, launched once for all the browser tests (Playwright's own browser downloads are never used).</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run ./test.sh, which installs it (apt-get install chromium)");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    /// <summary>A new context (its own storage, so its own player id) with one watched page of <paramref name="width"/> × <paramref name="height"/>.</summary>
    public async Task<WatchedPage> OpenAsync(int width = 1920, int height = 1080)
    {
        Assert.NotNull(_browser);
        IBrowserContext context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, Locale = "ja-JP" });
        return await WatchedPage.CreateAsync(context);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>Browser tests run one after another and apart from the rest of the suite: they measure latencies.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserTests : ICollectionFixture<BrowserFixture>, ICollectionFixture<DemoStore>, ICollectionFixture<QuietStore>
{
    public const string Name = "Signage browser";
}
