using System.Text.RegularExpressions;
using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;
using Edge.Gateway.Simulation;

namespace Edge.Gateway.Tests.Hosting;

/// <summary>The README's configuration reference lists exactly the keys the options classes bind: neither can drift.</summary>
public partial class ConfigurationReferenceTests
{
    private static readonly (Type Type, string Prefix)[] Sections =
    [
        (typeof(GatewayOptions), "Gateway"),
        (typeof(StoreOptions), "Store"),
        (typeof(SimulationOptions), "Simulation"),
        (typeof(ShelfOptions), "Shelves:N"),
        (typeof(Edge.Gateway.Shelves.DetectionOptions), "Detection"),
        (typeof(Edge.Gateway.Cloud.CloudOptions), "Cloud"),
        (typeof(Edge.Gateway.Beacons.BeaconOptions), "Beacons"),
        (typeof(Edge.Gateway.Omnichannel.OmnichannelOptions), "Omnichannel"),
        (typeof(Edge.Gateway.Signage.ScreenOptions), "Screens:N"),
        (typeof(Edge.Gateway.Offers.OffersOptions), "Offers"),
        (typeof(Edge.Gateway.Observability.MetricsOptions), "Metrics"),
        (typeof(Edge.Gateway.Admin.AdminOptions), "Admin"),
        (typeof(Edge.Gateway.Temperature.TemperatureOptions), "Temperature"),
        (typeof(Edge.Gateway.Clock.RtcOptions), "Rtc"),
        (typeof(Edge.Gateway.PickToLight.PickToLightOptions), "PickToLight"),
    ];

    // Bound by hand beside a list (Screens:N are the screens, Screens:OfflineAfter a setting of them all).
    private static readonly string[] OtherKeys = ["Screens:OfflineAfter"];

    [Fact]
    public void TheReadmeReference_NamesEveryKey_AndNoKeyThatDoesNotExist()
    {
        HashSet<string> bound = [.. Sections.SelectMany(s => ConfigurationKeys.All(s.Type, s.Prefix)), .. OtherKeys];
        HashSet<string> documented = [.. DocumentedKeys()];

        Assert.Empty(bound.Except(documented).Order()); // bound but not in the README
        Assert.Empty(documented.Except(bound).Order()); // in the README but bound by nothing
    }

    private static IEnumerable<string> DocumentedKeys()
    {
        string readme = RepositoryFiles.Readme();
        int start = readme.IndexOf("## Configuration reference", StringComparison.Ordinal);
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "the README has no configuration reference section");
        foreach (string line in readme[start..end].Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            string firstCell = line.Split('|')[1];
            foreach (Match m in Key().Matches(firstCell))
            {
                yield return m.Groups[1].Value;
            }
        }
    }

    [GeneratedRegex("`([A-Z][A-Za-z]*(?::[A-Za-z0-9]+)+)`")]
    private static partial Regex Key();
}
