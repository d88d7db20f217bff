using Edge.Gateway.Shelves;
using Microsoft.Extensions.Configuration;

namespace Edge.Gateway.Tests.Shelves;

/// <summary>The default detection windows on generated noisy recordings at both HX711 data rates: every pick, put-back and restock, nothing else.</summary>
public class NoisyStreamTests
{
    [Theory]
    [InlineData(10, 50)]
    [InlineData(10, 120)]
    [InlineData(10, 350)]
    [InlineData(80, 50)]
    [InlineData(80, 120)]
    [InlineData(80, 350)]
    public void DefaultWindows_OnNoisyRecordings_ReportExactlyThePicksPutsAndRestocks(int samplesPerSecond, double unitGrams)
    {
        for (int seed = 1; seed <= 6; seed++)
        {
            // Arrange
            var stream = new NoisyShelfStream(samplesPerSecond, unitGrams, seed, TimeSpan.FromMinutes(5), restingHands: false);
            var events = new List<ShelfEvent>();
            var pipeline = new SlotPipeline(new SlotIdentity("A-01", "sku", unitGrams, 0), NoisyShelfStream.Cal, stream.TrayGrams, new DetectionOptions(), events.Add, samplesPerSecond);

            // Act
            stream.Play(pipeline);

            // Assert: 0 missed, 0 miscounted, 0 spurious, in order.
            Assert.True(stream.Scenes.GetValueOrDefault("vibration") > 5 && stream.Scenes.GetValueOrDefault("pick in vibration") > 0, $"seed {seed}: too few disturbances to prove anything");
            Assert.Equal(stream.Expected, events.Select(e => (e.Type, e.CountBefore, e.CountAfter)));
            Assert.True(pipeline.Outliers > 0, "the spikes were seen");
        }
    }

    [Theory]
    [InlineData(10, 3, 4, 400)]
    [InlineData(80, 9, 20, 250)]
    public void DefaultWindows_AreTimesTurnedIntoSamples_WithAFloorInSamples(int samplesPerSecond, int outlier, int stable, int stableMs)
    {
        DetectionWindows w = DetectionWindows.For(new DetectionOptions(), samplesPerSecond);

        Assert.Equal((outlier, stable), (w.OutlierSamples, w.StableSamples));
        Assert.Equal(TimeSpan.FromMilliseconds(stableMs), w.StableSpan);
    }

    [Fact]
    public void DriftFollow_IsATimeConstant_TheSameAtBothRates()
    {
        var o = new DetectionOptions();
        DetectionWindows slow = DetectionWindows.For(o, 10), fast = DetectionWindows.For(o, 80);

        // After one second of stillness the level has closed the same fraction of a gap at either rate.
        Assert.Equal(Math.Pow(1 - slow.DriftPerSample, 10), Math.Pow(1 - fast.DriftPerSample, 80), 9);
        Assert.InRange(slow.DriftPerSample, 0.0195, 0.0201); // the former 0.02 per sample at 10 SPS
    }

    [Theory]
    [InlineData("StableWindow", "8", "Detection:StableTime")]
    [InlineData("OutlierWindow", "5", "Detection:OutlierTime")]
    [InlineData("DriftFollow", "0.02", "Detection:DriftFollowTime")]
    public void AKeyThatCountedSamples_IsRefused_NamingTheTimeThatReplacesIt(string key, string value, string replacement)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Detection:" + key] = value }).Build();

        IReadOnlyList<string> problems = DetectionOptions.Bind(configuration, new DetectionOptions());

        string problem = Assert.Single(problems);
        Assert.Contains("Detection:" + key, problem, StringComparison.Ordinal);
        Assert.Contains(replacement, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TheNewKeys_BindAsTimes()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Detection:StableTime"] = "00:00:00.300",
            ["Detection:OutlierTime"] = "00:00:00.050",
            ["Detection:StableMinSamples"] = "6",
        }).Build();
        var options = new DetectionOptions();

        Assert.Empty(DetectionOptions.Bind(configuration, options));
        Assert.Equal((TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(50), 6), (options.StableTime, options.OutlierTime, options.StableMinSamples));
        Assert.Null(options.Problem("Detection"));
        Assert.Equal((5, 24), (DetectionWindows.For(options, 80).OutlierSamples, DetectionWindows.For(options, 80).StableSamples));
    }
}
