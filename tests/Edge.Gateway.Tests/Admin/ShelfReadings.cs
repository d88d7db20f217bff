using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Edge.Gateway.Tests.Admin;

/// <summary>What a technician looks at before the next step: the shelf's live reading through the admin API.</summary>
internal static class ShelfReadings
{
    /// <summary>
    /// Waits until <paramref name="shelfId"/> reads <paramref name="grams"/> (within 5 g). A simulated weight reaches the
    /// reading only after the chip's next conversions: a step begun before that would take the old, still reading.
    /// </summary>
    public static async Task WaitForGramsAsync(HttpClient http, string token, string shelfId, double grams, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        string last = "no answer";
        while (clock.Elapsed < timeout)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/admin/shelves/{shelfId}/reading");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using HttpResponseMessage response = await http.SendAsync(request);
            if (response.IsSuccessStatusCode)
            {
                JsonElement reading = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (reading.TryGetProperty("grams", out JsonElement g) && g.ValueKind == JsonValueKind.Number)
                {
                    last = g.GetDouble().ToString("F1", CultureInfo.InvariantCulture) + " g";
                    if (Math.Abs(g.GetDouble() - grams) < 5)
                    {
                        return;
                    }
                }
            }

            await Task.Delay(100);
        }

        Assert.Fail($"shelf '{shelfId}' never read {grams} g within {timeout} (last {last})");
    }
}
