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
        });

        Assert.Contains("Temperature:Interval must be from 00:00:01 to 01:00:00", problems);
        Assert.Contains("Temperature:Cases:1:Id 'C-01' is used by another case", problems);
        Assert.Contains("Temperature:Cases:1:Address 0x44 on bus 1 is already Temperature:Cases:0's sensor", problems);
        Assert.Contains("Temperature:Cases:1:Shelves: 'D-01' is already in Temperature:Cases:0", problems);
        Assert.Contains("Temperature:Cases:2:Address: '0x78' is not an I2C address (0x08 to 0x77, such as 0x44)", problems);
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
