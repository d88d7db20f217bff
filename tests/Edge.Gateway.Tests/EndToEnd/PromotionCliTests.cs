using System.Text;
using System.Text.Json;
using Edge.Promotions;
using Edge.Promotions.Tests;

namespace Edge.Gateway.Tests.EndToEnd;

/// <summary><c>edge-gateway promotions evaluate</c> on the real executable: the same answers as the library, one line per input.</summary>
public sealed class PromotionCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-promo-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task EveryConformanceCase_AndRandomRequests_GetTheLibrarysAnswer_AndPoisonLinesGetAnError()
    {
        var lines = new List<byte[]>();
        var expected = new List<Func<JsonElement, bool>>();
        foreach (string json in ConformanceCases.All().Select(r => (string)r[2]))
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            lines.Add(Encoding.UTF8.GetBytes(doc.RootElement.GetProperty("input").GetRawText().ReplaceLineEndings(" ")));
            expected.Add(Library(doc.RootElement.GetProperty("input")));
        }

        var random = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            var request = new
            {
                product = new { sku = "S", price = random.Next(0, 100_000), currency = random.Next(2) == 0 ? "JPY" : "USD", category = "c", minPrice = random.Next(3) == 0 ? random.Next(0, 5000) : (int?)null },
                at = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(0, 14 * 24 * 60)).ToString("O"),
                timeZone = random.Next(2) == 0 ? "Asia/Tokyo" : "Europe/London",
                channel = new[] { "store", "online", "app" }[random.Next(3)],
                promotions = Enumerable.Range(0, random.Next(0, 8)).Select(j => new
                {
                    id = "p" + j,
                    category = "c",
                    discount = new { type = new[] { "percent", "amount", "price" }[random.Next(3)], value = random.Next(0, 100) },
                    priority = random.Next(3),
                    stackable = random.Next(3) != 0,
                    dayparts = random.Next(3) == 0 ? new[] { new { days = new[] { "mon", "fri", "sat" }, from = "18:00", to = "03:00" } } : null,
                }).ToArray(),
            };
            JsonElement input = JsonSerializer.SerializeToElement(request);
            lines.Add(Encoding.UTF8.GetBytes(input.GetRawText()));
            expected.Add(Library(input));
        }

        string template = "{\"product\":{\"sku\":\"SKU\",\"price\":500,\"currency\":\"JPY\"},\"at\":\"2026-12-01T00:00:00Z\",\"timeZone\":\"UTC\",\"channel\":\"store\",\"promotions\":PROMOS}";
        string promotion = "{\"id\":\"a\",\"skus\":[\"SKU\"],\"discount\":{\"type\":\"amount\",\"value\":50}}";
        byte[][] poison =
        [
            [0x7b, 0x22, 0xff, 0x22, 0x7d], Encoding.UTF8.GetBytes("not json"), [], Encoding.UTF8.GetBytes("[1,2]"), Encoding.UTF8.GetBytes(new string('[', 100)),
            Encoding.UTF8.GetBytes(template.Replace("\"SKU\",\"price\"", "\"\\ud800\",\"price\"", StringComparison.Ordinal).Replace("PROMOS", "[]", StringComparison.Ordinal)),
            Encoding.UTF8.GetBytes(template.Replace("PROMOS", $"[{promotion},{promotion}]", StringComparison.Ordinal)),
            Encoding.UTF8.GetBytes(template.Replace("\"price\":500", "\"price\":500,\"price\":5", StringComparison.Ordinal).Replace("PROMOS", "[]", StringComparison.Ordinal)),
        ];
        lines.AddRange(poison);
        string file = Path.Combine(_dir, "requests.jsonl");
        await File.WriteAllBytesAsync(file, [.. lines.SelectMany(l => l.Append((byte)'\n'))]);

        (int exit, string output, string errors) = await CliContractTests.RunAsync(null, "promotions", "evaluate", file);

        string[] answers = output.TrimEnd('\n').Split('\n');
        Assert.Equal(0, exit);
        Assert.Equal("", errors);
        Assert.Equal(lines.Count, answers.Length);
        for (int i = 0; i < expected.Count; i++)
        {
            using JsonDocument answer = JsonDocument.Parse(answers[i]);
            Assert.True(expected[i](answer.RootElement), $"line {i + 1}: {answers[i]}");
        }

        Assert.All(answers[^poison.Length..], a => Assert.StartsWith("{\"error\":", a, StringComparison.Ordinal));
        Assert.Contains("not valid UTF-8", answers[^poison.Length], StringComparison.Ordinal);
        Assert.Contains("not valid Unicode", answers[^3], StringComparison.Ordinal);
        Assert.Contains("promotions[1].id: 'a' appears twice", answers[^2], StringComparison.Ordinal);
        Assert.Contains("not a JSON object", answers[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingFile_IsAUsageError()
    {
        (int exit, _, string errors) = await CliContractTests.RunAsync(null, "promotions", "evaluate", Path.Combine(_dir, "none.jsonl"));

        Assert.Equal(1, exit);
        Assert.Contains("no such file", errors, StringComparison.Ordinal);
    }

    // What the library answers for one input, as a check of the CLI's line.
    private static Func<JsonElement, bool> Library(JsonElement input)
    {
        try
        {
            PromotionJson.Request r = PromotionJson.ReadRequest(input);
            Evaluation e = PromotionEngine.Evaluate(r.Product, r.At, r.Channel, r.TimeZone, r.Promotions, r.Audience);
            return a => a.TryGetProperty("price", out JsonElement p) && p.GetInt64() == e.Price
                && a.GetProperty("promotionIds").EnumerateArray().Select(x => x.GetString()!).SequenceEqual(e.PromotionIds);
        }
        catch (Exception ex) when (ex is PromotionFormatException or ArgumentException)
        {
            string message = ex.Message;
            return a => a.TryGetProperty("error", out JsonElement m) && m.GetString() == message;
        }
    }
}
