using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Edge.Bench;

/// <summary>The signage harness's players (a browser page, or a raw event stream) and its picker.</summary>
internal static partial class SignageHarness
{
    /// <summary>Something showing a screen, whose changes of a tile's count are recorded with their instants.</summary>
    private interface IPlayer
    {
        string ScreenId { get; }

        /// <summary>Waits for the first change of <paramref name="sku"/>'s count recorded at or after <paramref name="since"/>.</summary>
        Task<Dom> FirstChangeAsync(string sku, double since);

        /// <summary>Every change recorded so far, oldest first.</summary>
        Task<IReadOnlyList<(string Sku, Dom Dom)>> ChangesAsync();
    }

    private sealed record Screen(string Id, IBrowserContext Context, IPage Page) : IPlayer
    {
        public string ScreenId => Id;

        public Task<Dom> FirstChangeAsync(string sku, double since) => WaitDomAsync(Page, sku, "count", null, 0, since);

        public async Task<IReadOnlyList<(string Sku, Dom Dom)>> ChangesAsync() =>
            [.. (await Page.EvaluateAsync<JsonElement>("() => window.__bench")).EnumerateArray()
                .Select(e => (e.GetProperty("sku").GetString()!, new Dom(e.GetProperty("t").GetDouble(), e.GetProperty("arrived").GetDouble(), e.GetProperty("count").GetString() ?? "")))];
    }

    private sealed record Decision(double At, double Received);

    private sealed record Dom(double Changed, double Arrived, string Value);

    private sealed record PickResult(double Posted, Decision Decision, Dom[] Dom);

    private sealed record Idle(double RssMiB, double CpuPercent, double BrowserCpuPercent);

    /// <summary>Reads a screen's event stream as a player does, without a browser: each change of a tile's count, with the instant its event was read.</summary>
    private sealed class RawPlayer : IPlayer
    {
        private readonly List<(string Sku, Dom Dom)> _changes = [];
        private readonly Dictionary<string, string> _last = new(StringComparer.Ordinal);

        public RawPlayer(HttpClient http, string screenId, int k, CancellationToken stop)
        {
            ScreenId = screenId;
            _ = ReadAsync(http, $"/signage/{screenId}/events?player=bench-raw-{k}", stop);
        }

        public string ScreenId { get; }

        public async Task<Dom> FirstChangeAsync(string sku, double since)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                lock (_changes)
                {
                    foreach ((string s, Dom dom) in _changes)
                    {
                        if (s == sku && dom.Changed >= since)
                        {
                            return dom;
                        }
                    }
                }

                await Task.Delay(10);
            }

            throw new TimeoutException($"no change of {sku} on the stream of {ScreenId}");
        }

        public Task<IReadOnlyList<(string Sku, Dom Dom)>> ChangesAsync()
        {
            lock (_changes)
            {
                return Task.FromResult<IReadOnlyList<(string, Dom)>>([.. _changes]);
            }
        }

        private async Task ReadAsync(HttpClient http, string url, CancellationToken stop)
        {
            try
            {
                using HttpResponseMessage response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, stop);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop));
                while (await reader.ReadLineAsync(stop) is { } line)
                {
                    if (!line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    double at = Now();
                    using JsonDocument doc = JsonDocument.Parse(line.AsMemory(6));
                    lock (_changes)
                    {
                        foreach (JsonElement t in doc.RootElement.GetProperty("tiles").EnumerateArray())
                        {
                            string sku = t.GetProperty("sku").GetString()!, count = t.GetProperty("count").ToString();
                            if (!_last.TryGetValue(sku, out string? was) || was != count)
                            {
                                _last[sku] = count;
                                _changes.Add((sku, new Dom(at, at, count)));
                            }
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
            {
            }
        }
    }

    /// <summary>
    /// Takes one item at a time off the fullest shelf not picked lately, paced by the change on one page showing its
    /// product; afterwards finds that change on every other page showing it, and pairs each pick with its decision as
    /// the cloud received it (the event's timestamp, whenever it came).
    /// </summary>
    private sealed class Picker(HttpClient http, System.Collections.Concurrent.ConcurrentDictionary<(string ShelfId, string Count), Decision> decisions,
        List<(string Id, string Sku)> shelves, Dictionary<string, HashSet<string>> shows)
    {
        private readonly Queue<string> _recent = new();

        /// <summary>Decision instant → the event received from the broker, over every pick.</summary>
        public List<double> ToCloud { get; } = [];

        public double MaxUpdatedAtGapMs { get; private set; }

        public async Task<List<PickResult>> PickAsync(IReadOnlyList<IPlayer> players, int picks)
        {
            var done = new List<(string Shelf, string Sku, double Posted, string Count, IPlayer[] Watching, double UpdatedAt)>();
            for (int n = 0; n < picks; n++)
            {
                JsonElement truth = await http.GetFromJsonAsync<JsonElement>("/api/simulation/shelves");
                (string id, int items) = truth.EnumerateArray().Select(s => (Id: s.GetProperty("shelfId").GetString()!, Items: s.GetProperty("items").GetInt32()))
                    .Where(s => !_recent.Contains(s.Id)).MaxBy(s => s.Items);
                if (items < 2)
                {
                    throw new InvalidOperationException("the shelves are nearly empty: ask for fewer picks");
                }

                _recent.Enqueue(id);
                if (_recent.Count > 3)
                {
                    _recent.Dequeue();
                }

                string sku = shelves.First(s => s.Id == id).Sku;
                IPlayer[] watching = [.. players.Where(p => shows[p.ScreenId].Contains(sku))];
                double posted = Now();
                using (HttpResponseMessage r = await http.PostAsJsonAsync($"/api/simulation/shelves/{id}/pick", new { items = 1 }))
                {
                    r.EnsureSuccessStatusCode();
                }

                // With no shoppers and no reservations, the first change of the SKU's count after the POST is this
                // pick's (a hand's movement and a still window later); whether it is the decided count is checked below.
                Dom first = await watching[0].FirstChangeAsync(sku, posted);
                JsonElement row = (await http.GetFromJsonAsync<JsonElement>("/api/stock")).EnumerateArray().First(s => s.GetProperty("shelfId").GetString() == id);
                done.Add((id, sku, posted, first.Value, watching, EpochMs(row.GetProperty("updatedAt").GetDateTimeOffset())));
            }

            // Every page's record, read once: each pick's count is found by its value, which only goes down.
            var clock = Stopwatch.StartNew();
            Dictionary<IPlayer, IReadOnlyList<(string Sku, Dom Dom)>> changes = [];
            var results = new List<PickResult>();
            foreach ((string shelf, string sku, double posted, string count, IPlayer[] watching, double updatedAt) in done)
            {
                var dom = new Dom[watching.Length];
                for (int i = 0; i < watching.Length; i++)
                {
                    Dom? found;
                    while ((found = (changes.TryGetValue(watching[i], out var c) ? c : []).FirstOrDefault(x => x.Sku == sku && x.Dom.Value == count && x.Dom.Changed >= posted).Dom) is null)
                    {
                        if (clock.Elapsed > TimeSpan.FromSeconds(60))
                        {
                            throw new TimeoutException($"{shelf}: a page of screen {watching[i].ScreenId} never showed count {count}");
                        }

                        if (changes.ContainsKey(watching[i]))
                        {
                            await Task.Delay(50); // read already, and the page is behind: wait for it
                        }

                        changes[watching[i]] = await watching[i].ChangesAsync();
                    }

                    dom[i] = found;
                }

                Decision? decision;
                while (!decisions.TryGetValue((shelf, count), out decision))
                {
                    if (clock.Elapsed > TimeSpan.FromSeconds(60))
                    {
                        throw new TimeoutException($"{shelf}: no ItemsRemoved with countAfter {count} (what the pages show) reached the broker");
                    }

                    await Task.Delay(20);
                }

                ToCloud.Add(decision.Received - decision.At);
                MaxUpdatedAtGapMs = Math.Max(MaxUpdatedAtGapMs, Math.Abs(updatedAt - decision.At));
                results.Add(new PickResult(posted, decision, dom));
            }

            return results;
        }
    }
}
