using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;
using Edge.Gateway.Signage;
using Edge.Gateway.Simulation;
using Microsoft.Extensions.Configuration;

namespace Edge.Gateway.Tests.Signage;

/// <summary>Screens are configured as shelves are: every bad key named at start, with its path.</summary>
public class ScreensOptionsTests
{
    private static (GatewayConfiguration? Settings, List<string> Problems) Load(Dictionary<string, string?> values)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        GatewayConfiguration.TryLoad(config, out GatewayConfiguration? settings, out List<string> problems);
        return (settings, problems);
    }

    private static Dictionary<string, string?> Screen(int i, string id, string zone = "drinks") => new()
    {
        [$"Screens:{i}:Id"] = id,
        [$"Screens:{i}:Zone"] = zone,
    };

    [Fact]
    public void AScreenWithItsKeys_Binds_WithTheDefaultsAScreenNeeds()
    {
        var values = Screen(0, "drinks-1");
        values["Screens:0:Layout"] = "Featured";
        values["Screens:0:Languages:0"] = "en";
        values["Screens:0:Shelves:0"] = "D-02";
        values["Screens:0:Skus:0"] = "4900000000001";
        values["Screens:0:Orientation"] = "Portrait";
        values["Screens:0:RotationSeconds"] = "30";
        values["Screens:OfflineAfter"] = "00:05:00";

        (GatewayConfiguration? settings, List<string> problems) = Load(values);

        Assert.Empty(problems);
        ScreenOptions s = Assert.Single(settings!.Screens.Screens);
        Assert.Equal((ScreenLayout.Featured, ScreenOrientation.Portrait, 30), (s.Layout, s.Orientation, s.RotationSeconds));
        Assert.Equal(["en"], s.LanguagesInForce());
        Assert.Equal(["D-02"], s.Shelves);
        Assert.Equal(TimeSpan.FromMinutes(5), settings.Screens.OfflineAfter);
        Assert.Equal(["ja", "en"], new ScreenOptions().LanguagesInForce());
    }

    [Fact]
    public void EveryKeyThatDoesNotBind_IsNamed_AllAtOnce()
    {
        var values = Screen(0, "a b");
        values["Screens:0:Layuot"] = "Grid";
        foreach (var kv in Screen(1, "ok"))
        {
            values[kv.Key] = kv.Value;
        }

        values["Screens:1:Layout"] = "Carousel";
        values["Screens:Rotation"] = "5";

        (_, List<string> problems) = Load(values);

        Assert.Equal(3, problems.Count);
        Assert.Contains("Screens:0:Layuot is not a known key", problems);
        Assert.Contains(problems, p => p.StartsWith("Screens:1:Layout: 'Carousel' is not one of Grid, Featured", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Screens:Rotation is not a known key", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryBadValue_IsNamed_AllAtOnce()
    {
        var values = Screen(0, "dup");
        foreach (var kv in Screen(1, "dup", zone: ""))
        {
            values[kv.Key] = kv.Value;
        }

        values["Screens:0:Languages:0"] = "fr";
        values["Screens:0:Languages:1"] = "fr";
        values["Screens:0:RotationSeconds"] = "1";
        values["Screens:1:Skus:0"] = new string('9', 200);

        (_, List<string> problems) = Load(values);

        Assert.Equal(
        [
            "Screens:0:RotationSeconds must be from 3 to 3600",
            "Screens:0:Languages:0 must be ja or en, not 'fr'",
            "Screens:0:Languages:1 must be ja or en, not 'fr'",
            "Screens:0:Languages lists a language twice",
            "Screens:1:Id 'dup' is used by another screen",
            "Screens:1:Zone must not be empty",
            "Screens:1:Skus:0 must be a SKU of 1 to 128 characters",
        ], problems);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("drinks#")]
    [InlineData("")]
    [InlineData("ドリンク")]
    public void AnIdThatCannotBeAUrlAndATopicLevel_IsRefused(string id)
    {
        (_, List<string> problems) = Load(Screen(0, id));

        Assert.Contains("Screens:0:Id must be 1 to 64 letters, digits, '-' or '_' (it is part of a URL and an MQTT topic)", problems);
    }

    [Fact]
    public void TwoScreensWithOneId_AndAnOfflineAfterOutOfRange_AreRefused()
    {
        var values = Screen(0, "x");
        foreach (var kv in Screen(1, "x"))
        {
            values[kv.Key] = kv.Value;
        }

        values["Screens:OfflineAfter"] = "00:00:01";

        (_, List<string> problems) = Load(values);

        Assert.Contains("Screens:1:Id 'x' is used by another screen", problems);
        Assert.Contains("Screens:OfflineAfter must be from 00:00:10 to 1.00:00:00", problems);

        values["Screens:OfflineAfter"] = "soon";
        Assert.Contains("Screens:OfflineAfter: 'soon' is not a duration (hh:mm:ss)", Load(values).Problems);
    }

    [Fact]
    public void AShelfOrZoneTheLayoutDoesNotHave_IsNamed_AgainstTheLayout()
    {
        var values = Screen(0, "one", zone: "frozen");
        foreach (var kv in Screen(1, "two"))
        {
            values[kv.Key] = kv.Value;
        }

        values["Screens:1:Shelves:0"] = "D-01";
        values["Screens:1:Shelves:1"] = "Z-99";
        (GatewayConfiguration? settings, List<string> problems) = Load(values);
        Assert.Empty(problems);

        List<string> against = [.. settings!.Screens.ProblemsWith(new ShelfLayout(DemoStoreLayout.Shelves(), Simulated: true))];

        Assert.Equal(2, against.Count);
        Assert.StartsWith("Screens:0:Zone: no shelf is in zone 'frozen'", against[0], StringComparison.Ordinal);
        Assert.StartsWith("Screens:1:Shelves:1: no shelf 'Z-99'", against[1], StringComparison.Ordinal);
    }
}
