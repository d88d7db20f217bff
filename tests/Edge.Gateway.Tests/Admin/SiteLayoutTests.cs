using System.Text.Json.Nodes;
using Edge.Gateway.Admin;
using Edge.Gateway.Hosting;

namespace Edge.Gateway.Tests.Admin;

/// <summary>The technician's layout in site.json: every change checked by the gateway's own validators before it is written.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SiteLayoutTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-site-layout-").FullName;
    private readonly Dictionary<string, string?> _overrides = [];

    public SiteLayoutTests() => _overrides["Gateway:DataDir"] = _dir;

    private string SitePath => Path.Combine(_dir, SiteFiles.SiteFile);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AShelfAdded_IsWhatTheGatewayBindsAtItsNextStart_AndRemovingItLeavesNone()
    {
        SiteLayout.Add(_dir, _overrides, LayoutKind.Shelves, Shelf("A-1"));
        SiteLayout.Add(_dir, _overrides, LayoutKind.Shelves, Shelf("A-2"));
        SiteLayout.Remove(_dir, _overrides, LayoutKind.Shelves, "A-1");

        Assert.True(GatewayConfiguration.TryLoad(ConfigurationLayers.Build(_dir, _overrides), out GatewayConfiguration? settings, out List<string> problems), string.Join("; ", problems));
        Assert.Equal(["A-2"], settings.Shelves.Select(s => s.Id));
        Assert.Equal(9, settings.Shelves[0].SckPin);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SitePath));
    }

    [Fact]
    public void RemovingAShelfAChilledCaseOrThePickToLightStripStillNames_IsRefused_AndTheFileIsUnchanged()
    {
        SiteLayout.Add(_dir, _overrides, LayoutKind.Shelves, Shelf("A-1"));
        SiteLayout.Add(_dir, _overrides, LayoutKind.Shelves, Shelf("A-2"));
        _overrides["Temperature:Cases:0:Id"] = "C-1";
        _overrides["Temperature:Cases:0:Shelves:0"] = "A-1";
        _overrides["PickToLight:Enabled"] = "true";
        _overrides["PickToLight:Length"] = "16";
        _overrides["PickToLight:Shelves:0:ShelfId"] = "A-2";
        _overrides["PickToLight:Shelves:0:First"] = "0";
        _overrides["PickToLight:Shelves:0:Count"] = "8";
        byte[] before = File.ReadAllBytes(SitePath);

        var chilled = Assert.Throws<LayoutException>(() => SiteLayout.Remove(_dir, _overrides, LayoutKind.Shelves, "A-1"));
        var lit = Assert.Throws<LayoutException>(() => SiteLayout.Remove(_dir, _overrides, LayoutKind.Shelves, "A-2"));

        Assert.Contains("Temperature:Cases:0:Shelves: no shelf 'A-1' is configured", chilled.Message, StringComparison.Ordinal);
        Assert.Contains("PickToLight:Shelves:0", lit.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(SitePath));
    }

    [Fact]
    public void AnInvalidShelf_IsRefusedNamingTheKey_AndTheFileIsUnchanged()
    {
        SiteLayout.Add(_dir, _overrides, LayoutKind.Shelves, Shelf("A-1"));
        byte[] before = File.ReadAllBytes(SitePath);
        JsonObject bad = Shelf("A-2");
        bad["UnitWeightGrams"] = -3;

        var ex = Assert.Throws<LayoutException>(() => SiteLayout.Add(_dir, _overrides, LayoutKind.Shelves, bad));

        Assert.Equal(400, ex.Status);
        Assert.Contains("Shelves:1:UnitWeightGrams", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(SitePath));
    }

    [Fact]
    public void ADuplicateId_Is409_AndAMissingOne404()
    {
        SiteLayout.Add(_dir, _overrides, LayoutKind.Shelves, Shelf("A-1"));

        Assert.Equal(409, Assert.Throws<LayoutException>(() => SiteLayout.Add(_dir, _overrides, LayoutKind.Shelves, Shelf("A-1"))).Status);
        Assert.Equal(404, Assert.Throws<LayoutException>(() => SiteLayout.Remove(_dir, _overrides, LayoutKind.Shelves, "nope")).Status);
        Assert.Equal(404, Assert.Throws<LayoutException>(() => SiteLayout.Update(_dir, _overrides, LayoutKind.Shelves, "nope", new Dictionary<string, JsonNode?> { ["Sku"] = "1" })).Status);
    }

    [Fact]
    public void AListConfiguredElsewhere_IsNotEditedHere_SayingWhere()
    {
        var fromCommandLine = new Dictionary<string, string?>(_overrides) { ["Shelves:0:Id"] = "X" };

        var ex = Assert.Throws<LayoutException>(() => SiteLayout.Add(_dir, fromCommandLine, LayoutKind.Shelves, Shelf("A-1")));

        Assert.Equal(409, ex.Status);
        Assert.Contains("the command line", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(SitePath));
    }

    [Fact]
    public void ScreensKeepTheirSectionSetting_BesideTheList()
    {
        File.WriteAllText(SitePath, """{ "Screens": { "OfflineAfter": "00:03:00" } }""");
        SiteLayout.Add(_dir, _overrides, LayoutKind.Shelves, Shelf("A-1"));
        SiteLayout.Add(_dir, _overrides, LayoutKind.Screens, new JsonObject { ["Id"] = "front", ["Zone"] = "drinks" });

        Assert.True(GatewayConfiguration.TryLoad(ConfigurationLayers.Build(_dir, _overrides), out GatewayConfiguration? settings, out List<string> problems), string.Join("; ", problems));
        Assert.Equal(TimeSpan.FromMinutes(3), settings.Screens.OfflineAfter);
        Assert.Equal("front", Assert.Single(settings.Screens.Screens).Id);
    }

    [Fact]
    public void AScreenInAZoneWithNothingToShow_IsRefused()
    {
        var ex = Assert.Throws<LayoutException>(() => SiteLayout.Add(_dir, _overrides, LayoutKind.Screens, new JsonObject { ["Id"] = "s", ["Zone"] = "nowhere" }));

        Assert.Contains("Screens:0:Zone", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AssigningASku_ChangesOnlyWhatItNames()
    {
        SiteLayout.Add(_dir, _overrides, LayoutKind.Shelves, Shelf("A-1"));

        SiteLayout.Update(_dir, _overrides, LayoutKind.Shelves, "A-1", new Dictionary<string, JsonNode?> { ["Sku"] = "4900000000001", ["UnitWeightGrams"] = 80.5 });

        Assert.True(GatewayConfiguration.TryLoad(ConfigurationLayers.Build(_dir, _overrides), out GatewayConfiguration? settings, out _));
        Assert.Equal(("4900000000001", 80.5, "Tea"), (settings.Shelves[0].Sku, settings.Shelves[0].UnitWeightGrams, settings.Shelves[0].Name));
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("[1, 2]")]
    [InlineData("")]
    public void ADamagedSiteFile_IsReportedNamingIt_AndLeftAsItWas(string content)
    {
        File.WriteAllText(SitePath, content);

        var ex = Assert.ThrowsAny<Exception>(() => SiteLayout.Add(_dir, _overrides, LayoutKind.Shelves, Shelf("A-1")));

        Assert.True(ex is InvalidDataException, ex.ToString());
        Assert.Contains(SiteFiles.SiteFile, ex.Message, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllText(SitePath));
    }

    [Fact]
    public void TwoWritersAtOnce_LoseNeitherChange()
    {
        Parallel.For(0, 8, i => SiteLayout.Add(_dir, _overrides, LayoutKind.Zones, new JsonObject { ["Zone"] = $"z{i}", ["Adapter"] = i }));

        List<JsonObject> zones = SiteLayout.List(ConfigurationLayers.Build(_dir, _overrides), LayoutKind.Zones);
        Assert.Equal(8, zones.Count);
    }

    private static JsonObject Shelf(string id) => new()
    {
        ["DoutPin"] = 4 + (2 * (id[^1] - '0')),
        ["SckPin"] = 5 + (2 * (id[^1] - '0')),
        ["Id"] = id,
        ["Zone"] = "drinks",
        ["Sku"] = "4901085089385",
        ["Name"] = "Tea",
        ["Price"] = 160,
        ["UnitWeightGrams"] = 545,
        ["Calibration"] = new JsonObject { ["RawZero"] = 0, ["GramsZero"] = 0, ["RawSpan"] = 430000, ["GramsSpan"] = 1000 },
    };
}
