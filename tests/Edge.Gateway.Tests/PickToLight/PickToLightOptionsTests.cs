using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;
using Microsoft.Extensions.Configuration;

namespace Edge.Gateway.Tests.PickToLight;

/// <summary>A bad strip configuration stops the start with the key named, as every other section does.</summary>
public sealed class PickToLightOptionsTests
{
    private static (GatewayConfiguration? Settings, List<string> Problems) Load(Dictionary<string, string?> values)
    {
        IConfigurationRoot config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        GatewayConfiguration.TryLoad(config, out GatewayConfiguration? settings, out List<string> problems);
        return (settings, problems);
    }

    private static Dictionary<string, string?> Strip(int length, params (string Shelf, int First, int Count)[] shelves)
    {
        var values = new Dictionary<string, string?> { ["PickToLight:Enabled"] = "true", ["PickToLight:Length"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        for (int i = 0; i < shelves.Length; i++)
        {
            values[$"PickToLight:Shelves:{i}:ShelfId"] = shelves[i].Shelf;
            values[$"PickToLight:Shelves:{i}:First"] = shelves[i].First.ToString(System.Globalization.CultureInfo.InvariantCulture);
            values[$"PickToLight:Shelves:{i}:Count"] = shelves[i].Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return values;
    }

    [Fact]
    public void AGoodStrip_Binds()
    {
        (GatewayConfiguration? settings, List<string> problems) = Load(Strip(16, ("D-01", 0, 8), ("D-02", 8, 8)));

        Assert.Empty(problems);
        Assert.True(settings!.PickToLight.Enabled);
        Assert.Equal(["D-01", "D-02"], settings.PickToLight.Shelves.Select(s => s.ShelfId));
        Assert.Equal(TimeSpan.FromSeconds(30), settings.PickToLight.ConfirmWithin);
    }

    [Fact]
    public void OffByDefault_WithNothingToCheck()
    {
        (GatewayConfiguration? settings, List<string> problems) = Load([]);

        Assert.Empty(problems);
        Assert.False(settings!.PickToLight.Enabled);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(451)]
    public void AStripLengthOf0OrBeyondOneSpiWrite_IsRefused_NamingTheKey(int length)
    {
        Assert.Contains(Load(Strip(length)).Problems, p => p.StartsWith("PickToLight:Length:", StringComparison.Ordinal));
    }

    [Fact]
    public void AShelfTwice_OverlappingRanges_ARangePastTheEnd_AndAnEmptyRange_AreEachNamed()
    {
        List<string> problems = Load(Strip(20, ("D-01", 0, 8), ("D-01", 8, 4), ("D-02", 6, 4), ("D-03", 16, 8), ("D-04", 12, 0))).Problems;

        Assert.Contains(problems, p => p.StartsWith("PickToLight:Shelves:1:ShelfId 'D-01' already has LEDs at PickToLight:Shelves:0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("PickToLight:Shelves:2:First: LEDs 6 to 9 overlap those of PickToLight:Shelves:0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("PickToLight:Shelves:3:Count: LEDs 16 to 23 run past", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("PickToLight:Shelves:4:Count:", StringComparison.Ordinal));
    }

    [Fact]
    public void ATypoAndAValueThatIsNotANumber_AreNamed()
    {
        Dictionary<string, string?> values = Strip(16, ("D-01", 0, 8));
        values["PickToLight:Shelves:0:Frist"] = "3";
        Assert.Contains("PickToLight:Shelves:0:Frist is not a known key", Load(values).Problems);

        values = Strip(16, ("D-01", 0, 8));
        values["PickToLight:Shelves:0:Count"] = "eight";
        Assert.Contains(Load(values).Problems, p => p.StartsWith("PickToLight:Shelves:0:Count: 'eight' is not", StringComparison.Ordinal));
    }

    [Fact]
    public void ConfirmWithinOf0_IsRefused()
    {
        Dictionary<string, string?> values = Strip(16);
        values["PickToLight:ConfirmWithin"] = "00:00:00";
        Assert.Contains(Load(values).Problems, p => p.StartsWith("PickToLight:ConfirmWithin:", StringComparison.Ordinal));
    }

    [Fact]
    public void AShelfTheLayoutDoesNotHave_IsNamed()
    {
        GatewayConfiguration settings = Load(Strip(16, ("D-01", 0, 8), ("NOPE", 8, 8))).Settings!;
        var layout = new ShelfLayout([new ShelfOptions { Id = "D-01", Sku = "A", Name = "A", Zone = "z" }], Simulated: true);

        string problem = Assert.Single(settings.PickToLight.ProblemsWith(layout));
        Assert.StartsWith("PickToLight:Shelves:1:ShelfId: no shelf 'NOPE'", problem, StringComparison.Ordinal);
    }
}
