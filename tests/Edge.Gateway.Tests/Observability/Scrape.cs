using System.Diagnostics;
using System.Globalization;
using Edge.Gateway.Tests.EndToEnd;

namespace Edge.Gateway.Tests.Observability;

/// <summary>One <c>GET /metrics</c>, read the way Prometheus reads the text format: one sample per line, <c>name{labels} value</c>.</summary>
internal sealed record Scrape(string Text, IReadOnlyDictionary<string, double> Samples, long Bytes, TimeSpan Took)
{
    public static async Task<Scrape> TakeAsync(HttpClient http)
    {
        var clock = Stopwatch.StartNew();
        using HttpResponseMessage response = await http.GetAsync("/metrics");
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        clock.Stop();
        Assert.Equal(200, (int)response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        string text = System.Text.Encoding.UTF8.GetString(body);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            // The value is the first field after the labels (a timestamp may follow it).
            int labelsEnd = line.LastIndexOf('}');
            int space = line.IndexOf(' ', labelsEnd < 0 ? 0 : labelsEnd);
            string key = line[..space].Replace("otel_scope_name=\"Edge.Gateway\",", "", StringComparison.Ordinal).Replace("{otel_scope_name=\"Edge.Gateway\"}", "", StringComparison.Ordinal);
            string value = line[(space + 1)..].Split(' ')[0];
            samples[key] = value switch { "+Inf" => double.PositiveInfinity, "-Inf" => double.NegativeInfinity, "NaN" => double.NaN, _ => double.Parse(value, CultureInfo.InvariantCulture) };
        }

        return new Scrape(text, samples, body.Length, clock.Elapsed);
    }

    /// <summary>Polls the scrape until <paramref name="condition"/> holds, or fails with the last one.</summary>
    public static async Task<Scrape> WaitForAsync(GatewayProcess gateway, Func<Scrape, bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        Scrape? last = null;
        while (clock.Elapsed < timeout)
        {
            Assert.False(gateway.HasExited, $"gateway exited while waiting for {what}:\n{gateway.Output}");
            try
            {
                last = await TakeAsync(gateway.Http);
                if (condition(last))
                {
                    return last;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        Assert.Fail($"timed out after {timeout} waiting for {what}; last scrape:\n{last?.Text}");
        return null;
    }

    /// <summary>The sum of every sample of <paramref name="name"/> whose labels contain <paramref name="labels"/> (all samples when empty).</summary>
    public double Sum(string name, string labels = "") =>
        Samples.Where(kv => (kv.Key == name || kv.Key.StartsWith(name + "{", StringComparison.Ordinal)) && kv.Key.Contains(labels, StringComparison.Ordinal)).Sum(kv => kv.Value);

    /// <summary>True when some sample of <paramref name="name"/> is there.</summary>
    public bool Has(string name) => Samples.Keys.Any(k => k == name || k.StartsWith(name + "{", StringComparison.Ordinal));
}
