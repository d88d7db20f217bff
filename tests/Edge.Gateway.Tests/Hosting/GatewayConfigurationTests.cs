using Edge.Gateway.Hosting;
using Microsoft.Extensions.Configuration;

namespace Edge.Gateway.Tests.Hosting;

/// <summary>Every area's options bound and validated together, as the host checks them before it starts.</summary>
public class GatewayConfigurationTests
{
    private static Dictionary<string, string?> Shelf(int i, string unitWeight = "100")
    {
        string p = $"Shelves:{i}:";
        return new()
        {
            [p + "Id"] = $"S-{i}",
            [p + "Zone"] = "z",
            [p + "Sku"] = $"sku{i}",
            [p + "UnitWeightGrams"] = unitWeight,
            [p + "DoutPin"] = (5 + (2 * i)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            [p + "SckPin"] = (6 + (2 * i)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            [p + "Calibration:RawZero"] = "0",
            [p + "Calibration:RawSpan"] = "100000",
            [p + "Calibration:GramsSpan"] = "1000",
        };
    }

    private static List<string> Load(params Dictionary<string, string?>[] parts)
    {
        var merged = new Dictionary<string, string?>();
        foreach (KeyValuePair<string, string?> kv in parts.SelectMany(p => p))
        {
            merged[kv.Key] = kv.Value; // later parts override, as a later configuration source does
        }

        var config = new ConfigurationBuilder().AddInMemoryCollection(merged).Build();
        bool loaded = GatewayConfiguration.TryLoad(config, out GatewayConfiguration? settings, out List<string> problems);
        Assert.Equal(problems.Count == 0, loaded);
        Assert.Equal(loaded, settings is not null);
        return problems;
    }

    [Fact]
    public void ValidShelves_HaveNoProblems()
    {
        Assert.Empty(Load(Shelf(0), Shelf(1), Shelf(2), Shelf(3)));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("NaN")]
    public void NonPositiveUnitWeight_IsNamedByItsKey(string weight)
    {
        List<string> problems = Load(Shelf(0), Shelf(1), Shelf(2), Shelf(3, weight));

        Assert.Equal("Shelves:3:UnitWeightGrams must be > 0", Assert.Single(problems));
    }

    [Fact]
    public void UnparseableValue_NamesTheKeyAndTheValue()
    {
        List<string> problems = Load(Shelf(0), new Dictionary<string, string?> { ["Shelves:0:UnitWeightGrams"] = "heavy" });

        string problem = Assert.Single(problems);
        Assert.Contains("Shelves:0:UnitWeightGrams", problem, StringComparison.Ordinal);
        Assert.Contains("heavy", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void PinUsedTwice_DuplicateIds_AndBadCalibration_AreEachReported()
    {
        Dictionary<string, string?> clash = Shelf(1);
        clash["Shelves:1:Id"] = "S-0";
        clash["Shelves:1:DoutPin"] = "5";
        clash["Shelves:1:Calibration:RawSpan"] = "0";

        List<string> problems = Load(Shelf(0), clash);

        Assert.Contains("Shelves:1:Id 'S-0' is used by another shelf", problems);
        Assert.Contains("Shelves:1: GPIO 5 is already used by Shelves:0", problems);
        Assert.Contains("Shelves:1:Calibration: the two raw readings must differ", problems);
    }

    [Theory]
    [InlineData("Simulation:ShopperRatePerMinute", "-1", "Simulation:ShopperRatePerMinute must be from 0 to 600")]
    [InlineData("Gateway:Urls", "ftp://x", "Gateway:Urls has 'ftp://x', which is not an http:// or https:// URL")]
    [InlineData("Detection:ToleranceFraction", "0.7", "Detection:ToleranceFraction must be > 0 and < 0.5")]
    [InlineData("Beacons:ExitMeters", "1", "Beacons:ExitMeters must be greater than Beacons:EnterMeters > 0")]
    [InlineData("Beacons:ShopperUuid", "not-a-uuid", "Beacons:ShopperUuid must be a UUID like 8-4-4-4-12")]
    [InlineData("Cloud:Mode", "Mqtt", null)]
    [InlineData("Cloud:Mqtt:ProtocolVersion", "4", "Cloud:Mqtt:ProtocolVersion must be 3.1.1 or 5")]
    [InlineData("Omnichannel:TimeZone", "Mars/Olympus", "Omnichannel:TimeZone: 'Mars/Olympus' is not a time zone this machine knows (an IANA id such as Asia/Tokyo; is tzdata installed?)")]
    [InlineData("Omnichannel:Currency", "yen", "Omnichannel:Currency: 'yen' is not an ISO 4217 currency code in circulation (such as JPY)")]
    [InlineData("Omnichannel:OnlineStockMaxAge", "-00:01:00", "Omnichannel:OnlineStockMaxAge: must be longer than 0 (a time span such as 00:15:00)")]
    [InlineData("Omnichannel:Freshness", "1", "Omnichannel:Freshness is not a known key")]
    public void OtherSections_AreValidatedToo(string key, string value, string? expected)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key.StartsWith("Cloud:Mqtt", StringComparison.Ordinal))
        {
            settings["Cloud:Mode"] = "Mqtt";
        }

        List<string> problems = Load(settings);
        if (expected is null)
        {
            Assert.Empty(problems);
        }
        else
        {
            Assert.Equal(expected, Assert.Single(problems));
        }
    }

    [Fact]
    public void IotHubWithAKeyThatIsNotBase64_IsRefused_WithoutEchoingTheKey()
    {
        List<string> problems = Load(new Dictionary<string, string?>
        {
            ["Cloud:Mode"] = "IotHub",
            ["Cloud:IotHub:HostName"] = "h.azure-devices.net",
            ["Cloud:IotHub:DeviceId"] = "d",
            ["Cloud:IotHub:DeviceKey"] = "s3cr3t-not-base64",
        });

        Assert.Equal("Cloud:IotHub:DeviceKey is not valid base64", Assert.Single(problems));
        Assert.DoesNotContain("s3cr3t", string.Join("\n", problems), StringComparison.Ordinal);
    }
}
