using Edge.Gateway.Hosting;
using Microsoft.Extensions.Configuration;

namespace Edge.Gateway.Tests.Hosting;

public class ConfigurationKeysTests
{
    private static List<string> Load(Dictionary<string, string?> settings)
    {
        IConfigurationRoot config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        Assert.False(GatewayConfiguration.TryLoad(config, out _, out List<string> problems));
        return problems;
    }

    [Fact]
    public void EveryUnknownKey_IsNamedByItsPath_AllAtOnce()
    {
        List<string> problems = Load(new()
        {
            ["Gateway:Idd"] = "x",
            ["Cloud:Mqtt:Hots"] = "broker",
            ["Shelves:0:Id"] = "S-01",
            ["Shelves:0:Calibraton:RawZero"] = "5",
            ["Beacons:Receivers:0:Zonee"] = "drinks",
            ["Beacons:Receivers:first:Zone"] = "drinks",
            ["Detection:StableMinSamples:Samples"] = "5",
        });

        Assert.Contains("Gateway:Idd is not a known key", problems);
        Assert.Contains("Cloud:Mqtt:Hots is not a known key", problems);
        Assert.Contains("Shelves:0:Calibraton is not a known key", problems);
        Assert.Contains("Beacons:Receivers:0:Zonee is not a known key", problems);
        Assert.Contains("Beacons:Receivers:first is not a known key (a list takes 0, 1, 2, …)", problems);
        Assert.Contains("Detection:StableMinSamples takes a value, not keys under it", problems);
        Assert.DoesNotContain(problems, p => p.Contains("Edge.Gateway", StringComparison.Ordinal) || p.Contains("instance of", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Cloud:Mode", "Mqq", "Cloud:Mode: 'Mqq' is not one of None, Mqtt, IotHub")]
    [InlineData("Detection:StableMinSamples", "five", "Detection:StableMinSamples: 'five' is not a whole number")]
    [InlineData("Beacons:ExitAfterSilence", "soon", "Beacons:ExitAfterSilence: 'soon' is not a duration such as 00:00:30")]
    [InlineData("Simulation:Enabled", "maybe", "Simulation:Enabled: 'maybe' is not true or false")]
    public void AValueThatDoesNotConvert_SaysWhatWasExpected_WithoutATypeName(string key, string value, string expected)
    {
        Assert.Equal(expected, Assert.Single(Load(new() { [key] = value })));
    }

    [Fact]
    public void AllKeys_ListsNestedAndListKeys_AndNotComputedOnes()
    {
        List<string> cloud = [.. ConfigurationKeys.All(typeof(Edge.Gateway.Cloud.CloudOptions), "Cloud")];

        Assert.Contains("Cloud:Mqtt:Host", cloud);
        Assert.Contains("Cloud:Inbound:MaxStoreDataBytes", cloud);
        Assert.Contains("Cloud:Outbox:CheckpointInterval", cloud);
        Assert.DoesNotContain("Cloud:IotHub:UsesDps", cloud);
        Assert.DoesNotContain("Cloud:Inbound:Largest", cloud);
        Assert.Contains("Beacons:StoreBeacons:N:EddystoneUid", ConfigurationKeys.All(typeof(Edge.Gateway.Beacons.BeaconOptions), "Beacons"));
    }
}
