using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Edge.Gateway.Tests.Signage.Browser;

/// <summary>A screenshot of each layout and of the dashboard at the screen's size, kept as a test artefact to look at.</summary>
[Collection(BrowserTests.Name)]
public sealed class ScreenshotTests(BrowserFixture browser, DemoStore demo, ITestOutputHelper output)
{
    public static readonly TheoryData<string, string, int, int> Layouts = new()
    {
        { "/signage/drinks", "signage-drinks", 1920, 1080 },
        { "/signage/snacks", "signage-snacks", 1920, 1080 },
        { "/signage/daily", "signage-daily", 1080, 1920 },
        { "/", "dashboard", 1920, 1080 },
    };

    // Decodes a PNG in the browser and counts its colours (5 bits a channel, every third pixel) and the commonest one's share.
    private const string Measure = """
        async b64 => {
          const img = new Image();
          img.src = "data:image/png;base64," + b64;
          await img.decode();
          const canvas = document.createElement("canvas");
          canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
          const g = canvas.getContext("2d");
          g.drawImage(img, 0, 0);
          const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
          const counts = new Map();
          for (let i = 0; i < d.length; i += 12) { const k = (d[i] >> 3) << 10 | (d[i + 1] >> 3) << 5 | (d[i + 2] >> 3); counts.set(k, (counts.get(k) || 0) + 1); }
          let total = 0, top = 0;
          for (const v of counts.values()) { total += v; top = Math.max(top, v); }
          return { width: canvas.width, height: canvas.height, colors: counts.size, dominant: top / total };
        }
        """;

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task EachLayout_RendersAFullScreenToLookAt_SavedAsATestArtefact(string path, string name, int width, int height)
    {
        await using WatchedPage page = await browser.OpenAsync(width, height);
        await page.Page.GotoAsync(demo.Gateway.BaseUrl + path);
        string rows = path == "/" ? "tr[data-shelf]" : "article.tile:not(.off)";
        await page.Page.WaitForFunctionAsync($"() => document.querySelectorAll('{rows}').length > 0", null, new() { Timeout = 10_000 });
        await page.Page.EvaluateAsync("() => document.fonts.ready");
        string file = Path.Combine(AppContext.BaseDirectory, "artifacts", name + ".png");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);

        byte[] shot = await page.Page.ScreenshotAsync(new() { Path = file, Animations = ScreenshotAnimations.Disabled });
        await using WatchedPage blank = await browser.OpenAsync(width, height);
        byte[] nothing = await blank.Page.ScreenshotAsync();
        JsonElement seen = await blank.Page.EvaluateAsync<JsonElement>(Measure, Convert.ToBase64String(shot));
        JsonElement empty = await blank.Page.EvaluateAsync<JsonElement>(Measure, Convert.ToBase64String(nothing));

        output.WriteLine($"{file}: {seen}");
        Assert.Equal(width, seen.GetProperty("width").GetInt32());
        Assert.Equal(height, seen.GetProperty("height").GetInt32());
        Assert.Equal(1, empty.GetProperty("colors").GetInt32()); // the measure tells a blank page apart
        Assert.True(seen.GetProperty("colors").GetInt32() >= 16, $"{name} has only {seen.GetProperty("colors")} colours: a blank or broken render");
        Assert.True(seen.GetProperty("dominant").GetDouble() < 0.95, $"{name} is {seen.GetProperty("dominant").GetDouble():P0} one colour: a blank or broken render");
        await page.AssertNoErrorsAsync();
    }
}
