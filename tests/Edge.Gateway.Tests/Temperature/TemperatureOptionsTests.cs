using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;
using Edge.Gateway.Simulation;
using Edge.Gateway.Temperature;
using Microsoft.Extensions.Configuration;

namespace Edge.Gateway.Tests.Temperature;

/// <summary>Cases are configured as shelves are: every bad key named at start (exit 2), with its path.</summary>
public class TemperatureOptionsTests
{
    [Fact]
    public void ACaseWithItsKeys_Binds_WithTheDefaults()
    {
        (GatewayConfiguration? settings, List<string> problems) = Load(new()
        {
            ["Temperature:Cases:0:Id"] = "C-01",
            ["Temperature:Cases:0:Address"] = "0x45",
            ["Temperature:Cases:0:Sensor"] = "sht3x",
            ["Temperature:Cases:0:Shelves:0"] = "D-01",
            ["Temperature:Cases:0:MinDuration"] = "00:20:00",
            ["Temperature:Cases:1:Id"] = "C-02",
            ["Temperature:Cases:1:Address"] = "68",
        });

        Assert.Empty(problems);
        TemperatureOptions t = settings!.Temperature;
        Assert.Equal(TimeSpan.FromMinutes(1), t.Interval);
        Assert.Equal((0x45, 1, 8.0, 1.0, TimeSpan.FromMinutes(20)), (t.Cases[0].AddressValue, t.Cases[0].Bus, t.Cases[0].High, t.Cases[0].Hysteresis, t.Cases[0].MinDuration));
        Assert.Equal(0x44, t.Cases[1].AddressValue);
    }

    [Fact]
    public void EveryBadKey_IsNamed_AllAtOnce()
    {
        (_, List<string> problems) = Load(new()
        {
            ["Temperature:Interval"] = "00:00:00.5",
            ["Temperature:Cases:0:Id"] = "C-01",
            ["Temperature:Cases:0:Shelves:0"] = "D-01",
            ["Temperature:Cases:1:Id"] = "C-01",
            ["Temperature:Cases:1:Address"] = "0x44", // the same place as case 0's sensor
            ["Temperature:Cases:1:Shelves:0"] = "D-01",
            ["Temperature:Cases:2:Id"] = "C-03",
            ["Temperature:Cases:2:Address"] = "0x78",
            ["Temperature:Cases:2:Hysteresis"] = "-1",
            ["Temperature:Cases:3:Id"] = "C-04",
            ["Temperature:Cases:3:Address"] = "forty",
        });

        Assert.Contains("Temperature:Interval must be from 00:00:01 to 01:00:00", problems);
        Assert.Contains("Temperature:Cases:1:Id 'C-01' is used by another case", problems);
        Assert.Contains("Temperature:Cases:0 and Temperature:Cases:1 are both at I2C bus 1, address 0x44", problems);
        Assert.Contains("Temperature:Cases:1:Shelves: 'D-01' is already in Temperature:Cases:0", problems);
        Assert.Contains(problems, p => p.StartsWith("Temperature:Cases:2:Address is 0x78: an I2C sensor address is 0x08 to 0x77", StringComparison.Ordinal));
        Assert.Contains("Temperature:Cases:3:Address: 'forty' is not an I2C address (0x08 to 0x77, such as 0x44)", problems);
        Assert.Contains("Temperature:Cases:2:Hysteresis must be 0 °C or more", problems);
    }

    [Fact]
    public void KeysThatDoNotBind_AreNamed_AndTheCaseIsNotDroppedQuietly()
    {
        (GatewayConfiguration? settings, List<string> problems) = Load(new()
        {
            ["Temperature:Interval"] = "a minute",
            ["Temperature:Intervall"] = "00:01:00",
            ["Temperature:Cases:0:Id"] = "C-04",
            ["Temperature:Cases:0:Adress"] = "0x46",
            ["Temperature:Cases:1:Id"] = "C-05",
            ["Temperature:Cases:1:High"] = "warm",
        });

        Assert.Null(settings);
        Assert.Contains("Temperature:Interval: 'a minute' is not a duration (hh:mm:ss)", problems);
        Assert.Contains("Temperature:Intervall is not a known key", problems);
        Assert.Contains("Temperature:Cases:0:Adress is not a known key", problems);
        Assert.Contains("Temperature:Cases:1:High: 'warm' is not a number", problems);
    }

    [Fact]
    public void SensorsWithTheSameAddressBehindAMultiplexer_AreFine_OnTheSameChannelTheyClash_AndA1WireIdIsChecked()
    {
        Dictionary<string, string?> Muxed(string channel1) => new()
        {
            ["Temperature:Cases:0:Id"] = "C-01", ["Temperature:Cases:0:MuxAddress"] = "0x70", ["Temperature:Cases:0:MuxChannel"] = "0",
            ["Temperature:Cases:1:Id"] = "C-02", ["Temperature:Cases:1:Sensor"] = "Sht4x", ["Temperature:Cases:1:MuxAddress"] = "0x70", ["Temperature:Cases:1:MuxChannel"] = channel1,
            ["Temperature:Cases:2:Id"] = "C-03", ["Temperature:Cases:2:Sensor"] = "ds18b20", ["Temperature:Cases:2:OneWireId"] = "28-0316a2794aff",
        };

        (GatewayConfiguration? settings, List<string> problems) = Load(Muxed("1"));
        Assert.Empty(problems);
        Assert.Equal("I2C bus 1, mux 0x70 channel 1, address 0x44", settings!.Temperature.Cases[1].Place()!.ToString());

        (_, problems) = Load(Muxed("0"));
        Assert.Equal(["Temperature:Cases:0 and Temperature:Cases:1 are both at I2C bus 1, mux 0x70 channel 0, address 0x44"], problems);

        Dictionary<string, string?> stray = Muxed("1");
        stray["Temperature:Cases:0:OneWireId"] = "28-0316a2794aff";
        stray["Temperature:Cases:2:Address"] = "0x45";
        (_, problems) = Load(stray);
        Assert.Equal(
            ["Temperature:Cases:0:OneWireId is for a Ds18b20: set Temperature:Cases:0:Sensor to Ds18b20, or remove it",
             "Temperature:Cases:2:Address, MuxAddress and MuxChannel are for I2C sensors: a Ds18b20 is found by its OneWireId"],
            problems);

        Dictionary<string, string?> bad = Muxed("9");
        bad["Temperature:Cases:2:OneWireId"] = "10-0316a2794aff";
        bad["Temperature:Cases:3:Id"] = "C-04";
        bad["Temperature:Cases:3:MuxChannel"] = "2";
        (_, problems) = Load(bad);
        Assert.Contains(problems, p => p.StartsWith("Temperature:Cases:1:MuxChannel is 9", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Temperature:Cases:2:OneWireId", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Temperature:Cases:3:MuxChannel is 2 but Temperature:Cases:3:MuxAddress is not set", StringComparison.Ordinal));
    }

    [Fact]
    public void ACaseNamingAShelfThatIsNotConfigured_IsNamed()
    {
        (GatewayConfiguration? settings, _) = Load(new() { ["Temperature:Cases:0:Id"] = "C-01", ["Temperature:Cases:0:Shelves:0"] = "D-99" });
        var layout = new ShelfLayout(DemoStoreLayout.Shelves(), Simulated: true);

        Assert.Equal(["Temperature:Cases:0:Shelves: no shelf 'D-99' is configured"], settings!.Temperature.ProblemsWith(layout));
    }

    private static (GatewayConfiguration? Settings, List<string> Problems) Load(Dictionary<string, string?> values)
    {
        IConfigurationRoot config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        GatewayConfiguration.TryLoad(config, out GatewayConfiguration? settings, out List<string> problems);
        return (settings, problems);
    }
}
