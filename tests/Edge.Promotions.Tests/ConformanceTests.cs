using System.Text.Json;

namespace Edge.Promotions.Tests;

/// <summary>Each case of <c>spec/promotions</c> (each cites the scenario or rule it comes from) through the library.</summary>
public sealed class ConformanceTests
{
    public static TheoryData<string, string, string> Cases => ConformanceCases.All();

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheEngineGivesTheSpecifiedPrice(string file, string name, string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement expect = doc.RootElement.GetProperty("expect");
        Assert.False(string.IsNullOrWhiteSpace(doc.RootElement.GetProperty("source").GetString()), $"{file}: '{name}' cites no source");
        if (expect.TryGetProperty("error", out JsonElement error))
        {
            var ex = Assert.ThrowsAny<Exception>(() => Evaluate(doc.RootElement.GetProperty("input")));
            Assert.True(ex is PromotionFormatException or ArgumentException, $"{file}: '{name}' threw {ex.GetType().Name}: {ex.Message}");
            Assert.Contains(error.GetString()!, ex.Message, StringComparison.Ordinal);
            return;
        }

        Evaluation result = Evaluate(doc.RootElement.GetProperty("input"));
        Assert.Equal(expect.GetProperty("price").GetInt64(), result.Price);
        Assert.Equal(expect.GetProperty("promotionIds").EnumerateArray().Select(x => x.GetString()!), result.PromotionIds);
    }

    private static Evaluation Evaluate(JsonElement input)
    {
        PromotionJson.Request r = PromotionJson.ReadRequest(input);
        return PromotionEngine.Evaluate(r.Product, r.At, r.Channel, r.TimeZone, r.Promotions, r.Audience);
    }
}
