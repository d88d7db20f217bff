using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using MQTTnet;
using MQTTnet.Protocol;

namespace Edge.Bench;

/// <summary>
/// Digital signage end to end: the real gateway (Release, simulated store, no shoppers, no beacon capture) syncing to a
/// real Mosquitto, its screens open in the system's headless Chromium. Measures a shelf decision → the tile's
/// <c>data-count</c> in the page's DOM, a promotion delta published → the tile's <c>data-price</c>, the first again
/// with many screens open, and the gateway's RSS and CPU with no screen and with them all over the same idle interval.
/// </summary>
internal static partial class SignageHarness
{
    private const string Topics = "retail/store-001/";
    private const string Chromium = "/usr/bin/chromium";

    // Runs before the page's own script. A render replaces every tile, so the observer does not trust which node
    // changed: at each mutation it compares every tile's data-count and data-price with the last it saw, and logs the
    // changes with the page's epoch clock (same machine, same wall clock as this process and the gateway).
    private const string Recorder = """
        (() => {
          const log = [], last = new Map(), now = () => performance.timeOrigin + performance.now();
          let arrived = 0;
          window.__bench = log;
          const listen = EventSource.prototype.addEventListener;
          EventSource.prototype.addEventListener = function (type, f, o) {
            return listen.call(this, type, type === "content" ? e => { arrived = now(); return f.call(this, e); } : f, o);
          };
          new MutationObserver(() => {
            const t = now();
            for (const a of document.querySelectorAll("article.tile[data-sku]")) {
              const v = a.dataset.count + "|" + a.dataset.price;
              if (last.get(a.dataset.sku) !== v) { last.set(a.dataset.sku, v); log.push({ sku: a.dataset.sku, count: a.dataset.count, price: a.dataset.price, t, arrived }); }
            }
          }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-count", "data-price"] });
        })();
        """;

    // The first change logged from index `from` on, and after epoch ms `since`, of `field` of `sku` (to `value`, or to
    // anything when `value` is null): [when the DOM changed, when the content event that changed it was dispatched, the value].
    private const string Changed = """
        ([sku, field, value, from, since]) => { const log = window.__bench; for (let i = from; i < log.length; i++) { const e = log[i]; if (e.t >= since && e.sku === sku && (value === null || e[field] === value)) return [e.t, e.arrived, e[field]]; } return false; }
        """;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Arguments: [picks] [promotion deltas] [pages] [idle seconds], by default 30, 30, 50 and 60 (about six minutes in all).</summary>
    public static async Task RunAsync(string[] args)
    {
        int Arg(int i, int otherwise) => args.Length > i ? int.Parse(args[i], Inv) : otherwise;
        (int picks, int deltas, int pageCount, int idleSeconds) = (Arg(0, 30), Arg(1, 30), Arg(2, 50), Arg(3, 60));
        string dir = Directory.CreateTempSubdirectory("edge-bench-signage-").FullName;
        int mqttPort = BenchProcess.FreePort(), httpPort = BenchProcess.FreePort();
        string conf = Path.Combine(dir, "mosquitto.conf");
        await File.WriteAllTextAsync(conf, $"listener {mqttPort} 127.0.0.1\nallow_anonymous true\npersistence false\n");
        using Process broker = Process.Start(new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", conf]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { BenchProcess.FindGateway(), "run", "--simulate", "--data-dir", Path.Combine(dir, "data"), "--urls", $"http://127.0.0.1:{httpPort}", "--sim-shopper-rate", "0" })
        {
            info.ArgumentList.Add(a);
        }

        (info.Environment["Cloud__Mode"], info.Environment["Cloud__Mqtt__Host"], info.Environment["Cloud__Mqtt__Port"]) = ("Mqtt", "127.0.0.1", mqttPort.ToString(Inv));
        (info.Environment["Simulation__OnlineShop"], info.Environment["Simulation__BeaconCapture"]) = ("false", "false");
        using Process gateway = Process.Start(info)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        gateway.OutputDataReceived += (_, e) => Keep(log, e.Data);
        gateway.ErrorDataReceived += (_, e) => Keep(log, e.Data);
        gateway.BeginOutputReadLine();
        gateway.BeginErrorReadLine();
        string baseUrl = $"http://127.0.0.1:{httpPort}";
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(10) };
        using IMqttClient cloud = new MqttClientFactory().CreateMqttClient();
        var decisions = new System.Collections.Concurrent.ConcurrentDictionary<(string ShelfId, string Count), Decision>();
        var replies = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var screens = new List<Screen>();
        IPlaywright? playwright = null;
        try
        {
            await WaitAsync(async () => !gateway.HasExited && (await http.GetAsync("/readyz")).IsSuccessStatusCode, "the gateway did not get ready", gateway, log);
            await WaitAsync(async () => (await http.GetFromJsonAsync<JsonElement>("/healthz")).GetProperty("cloud").GetProperty("connected").GetBoolean(), "the gateway did not connect to Mosquitto", gateway, log);
            cloud.ApplicationMessageReceivedAsync += e =>
            {
                using JsonDocument doc = JsonDocument.Parse(e.ApplicationMessage.ConvertPayloadToString());
                JsonElement m = doc.RootElement;
                if (e.ApplicationMessage.Topic.EndsWith("/replies", StringComparison.Ordinal))
                {
                    replies[m.GetProperty("correlationId").GetString() ?? ""] = m.GetProperty("status").GetInt32();
                }
                else
                {
                    JsonElement ev = m.GetProperty("event");
                    decisions[(ev.GetProperty("shelfId").GetString()!, ev.GetProperty("countAfter").GetInt32().ToString(Inv))] = new Decision(EpochMs(ev.GetProperty("timestamp").GetDateTimeOffset()), Now());
                }

                return Task.CompletedTask;
            };
            await cloud.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mqttPort).WithClientId("bench-cloud").Build());
            await cloud.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(Topics + "gw-01/replies", MqttQualityOfServiceLevel.AtLeastOnce)
                .WithTopicFilter(Topics + "gw-01/events/ItemsRemoved", MqttQualityOfServiceLevel.AtLeastOnce).Build());

            // A catalog of the shelves' products at their shelf prices, and one promotion on the drinks screen's first tile.
            JsonElement stock = await http.GetFromJsonAsync<JsonElement>("/api/stock");
            var shelves = stock.EnumerateArray().Select(s => (Id: s.GetProperty("shelfId").GetString()!, Sku: s.GetProperty("sku").GetString()!)).ToList();
            var catalog = new StringBuilder("{\"correlationId\":\"catalog\",\"version\":1,\"items\":[");
            foreach (JsonElement s in stock.EnumerateArray())
            {
                catalog.Append(catalog[^1] == '[' ? "" : ",").Append(Inv, $"{{\"sku\":\"{s.GetProperty("sku").GetString()}\",\"name\":{{\"ja\":{s.GetProperty("nameJa").GetRawText()},\"en\":{s.GetProperty("name").GetRawText()}}},")
                    .Append(Inv, $"\"price\":{(long)s.GetProperty("price").GetDecimal()},\"currency\":\"JPY\",\"category\":\"{s.GetProperty("zone").GetString()}\"}}");
            }

            await cloud.PublishStringAsync(Topics + "catalog", catalog.Append("]}").ToString(), MqttQualityOfServiceLevel.AtLeastOnce);
            JsonElement drinks = await http.GetFromJsonAsync<JsonElement>("/api/screens/drinks/content");
            string promoSku = drinks.GetProperty("tiles")[0].GetProperty("sku").GetString()!;
            long basePrice = (long)drinks.GetProperty("tiles")[0].GetProperty("basePrice").GetDecimal();
            await cloud.PublishStringAsync(Topics + "promotions", Promotions(promoSku, 1, null, 10), MqttQualityOfServiceLevel.AtLeastOnce);
            await WaitAsync(() => Task.FromResult(replies.TryGetValue("catalog", out int c) && replies.TryGetValue("promo-1", out int p) && c == 200 && p == 200),
                $"the store data was not applied: {string.Join(", ", replies)}", gateway, log);
            var shows = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (JsonElement s in (await http.GetFromJsonAsync<JsonElement>("/api/screens")).EnumerateArray())
            {
                string id = s.GetProperty("id").GetString()!;
                shows[id] = [.. (await http.GetFromJsonAsync<JsonElement>($"/api/screens/{id}/content")).GetProperty("tiles").EnumerateArray().Select(t => t.GetProperty("sku").GetString()!)];
            }

            playwright = await Playwright.CreateAsync();
            await using IBrowser browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
            string[] ids = [.. shows.Keys];
            string loadAtStart = BenchProcess.LoadAverage();
            var phases = new List<string>();
            var phase = Stopwatch.StartNew();
            void Phase(string name)
            {
                phases.Add($"{name} {phase.Elapsed.TotalSeconds:F0} s");
                phase.Restart();
            }

            Console.WriteLine($"signage: gateway (Release, simulated store, 0 shopper actions/min, Cloud:Mode=Mqtt on Mosquitto) and headless Chromium {browser.Version}, one browser context per screen");
            Console.WriteLine("  decision instant: the ShelfEvent's timestamp (events/ItemsRemoved `timestamp`), the wall clock read for the sample that completed the still window;");
            Console.WriteLine("  DOM instant: performance.timeOrigin + performance.now() in a MutationObserver, when the tile's data-count / data-price changed");

            // 1. One page per screen: shelf decision → DOM.
            foreach (string id in ids)
            {
                screens.Add(await OpenAsync(browser, baseUrl, id));
            }

            await WaitPlayersAsync(http, screens.Count, gateway, log);
            (double Offset, double Rtt) clockBefore = await ClockAsync(screens[0].Page);
            var picker = new Picker(http, decisions, shelves, shows);
            List<double> one = [], onePage = [], endToEnd = [];
            foreach (PickResult r in await picker.PickAsync(screens, picks))
            {
                one.AddRange(r.Dom.Select(d => d.Changed - r.Decision.At));
                onePage.AddRange(r.Dom.Select(d => d.Changed - d.Arrived));
                endToEnd.AddRange(r.Dom.Select(d => d.Changed - r.Posted));
            }

            Phase($"{picks} picks");

            // 2. Promotion deltas published → DOM on the drinks screen.
            Screen shown = screens.First(s => s.Id == "drinks" || shows[s.Id].Contains(promoSku));
            var promo = new List<double>();
            for (int n = 0; n < deltas; n++)
            {
                long discount = 11 + (n % 100);
                int mark = await shown.Page.EvaluateAsync<int>("() => window.__bench.length");
                double published = Now();
                await cloud.PublishStringAsync(Topics + "promotions", Promotions(promoSku, n + 2, n + 1, discount), MqttQualityOfServiceLevel.AtLeastOnce);
                promo.Add((await WaitDomAsync(shown.Page, promoSku, "price", (basePrice - discount).ToString(Inv), mark, 0)).Changed - published);
            }

            Phase($"{deltas} deltas");
            (double Offset, double Rtt) clockAfter = await ClockAsync(screens[0].Page);
            await CloseAllAsync(screens);
            await WaitPlayersAsync(http, 0, gateway, log);
            await Task.Delay(TimeSpan.FromSeconds(5));

            // 3. The gateway idle with no screen, then with `pageCount` screens; then decisions → DOM on all of them.
            Idle none = await IdleAsync(gateway.Id, broker.Id, idleSeconds);
            Phase("idle, no screen");
            for (int i = 0; i < pageCount; i += 10)
            {
                screens.AddRange(await Task.WhenAll(Enumerable.Range(i, Math.Min(10, pageCount - i)).Select(k => OpenAsync(browser, baseUrl, ids[k % ids.Length]))));
            }

            await WaitPlayersAsync(http, pageCount, gateway, log);
            Phase($"opening {pageCount} screens");
            await Task.Delay(TimeSpan.FromSeconds(5));
            Idle many = await IdleAsync(gateway.Id, broker.Id, idleSeconds);
            Phase($"idle, {pageCount} screens");
            List<double> fifty = [], fiftyPage = [];
            foreach (PickResult r in await picker.PickAsync(screens, picks))
            {
                fifty.AddRange(r.Dom.Select(d => d.Changed - r.Decision.At));
                fiftyPage.AddRange(r.Dom.Select(d => d.Changed - d.Arrived));
            }

            Phase($"{picks} picks on {pageCount} screens");
            string mix = string.Join("/", ids.Select(id => screens.Count(s => s.Id == id).ToString(Inv))) + " " + string.Join("/", ids);

            // The same number of streams read by this process instead of a browser: what the gateway's fan-out costs
            // when the cores are not busy rendering pages.
            await CloseAllAsync(screens);
            await WaitPlayersAsync(http, 0, gateway, log);
            int rawPicks = Math.Max(5, picks / 3);
            using var streams = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = Timeout.InfiniteTimeSpan };
            using var stop = new CancellationTokenSource();
            RawPlayer[] raw = [.. Enumerable.Range(0, pageCount).Select(k => new RawPlayer(streams, ids[k % ids.Length], k, stop.Token))];
            await WaitPlayersAsync(http, pageCount, gateway, log);
            var rawLatency = new List<double>();
            foreach (PickResult r in await picker.PickAsync(raw, rawPicks))
            {
                rawLatency.AddRange(r.Dom.Select(d => d.Changed - r.Decision.At));
            }

            await stop.CancelAsync();
            Phase($"{rawPicks} picks on {pageCount} raw streams");
            Console.WriteLine();
            Console.WriteLine("| measure | samples | p50 ms | p95 ms | max ms | goal |");
            Console.WriteLine("|---|---|---|---|---|---|");
            Row($"shelf decision → DOM data-count, {ids.Length} screens open", one, 250);
            Row("  of which in the page: content event dispatched → DOM", onePage, null);
            Row("  for reference, pick POST → DOM (hand 0.9 s, still window, decision)", endToEnd, null);
            Row("promotion delta published (MQTT QoS 1) → DOM data-price", promo, 1000);
            Row($"shelf decision → DOM data-count, {pageCount} screens open ({mix}), every page showing the SKU", fifty, 250);
            Row("  of which in the page: content event dispatched → DOM", fiftyPage, null);
            Row($"  the same {pageCount} streams read by this process, no browser: decision → content event read", rawLatency, 250);
            Row($"side figure: shelf decision → its ItemsRemoved received from Mosquitto, all {picker.ToCloud.Count} picks", picker.ToCloud, null);
            Console.WriteLine();
            Console.WriteLine($"| over {idleSeconds} s idle | 0 screens | {pageCount} screens | added |");
            Console.WriteLine("|---|---|---|---|");
            Console.WriteLine($"| gateway VmRSS, mean | {none.RssMiB:F1} MiB | {many.RssMiB:F1} MiB | {many.RssMiB - none.RssMiB:+0.0;-0.0} MiB |");
            Console.WriteLine($"| gateway CPU (utime+stime), % of one core | {none.CpuPercent:F2} % | {many.CpuPercent:F2} % | {many.CpuPercent - none.CpuPercent:+0.00;-0.00} % |");
            Console.WriteLine($"| browser CPU (all its processes), % of one core | {none.BrowserCpuPercent:F1} % | {many.BrowserCpuPercent:F1} % | {many.BrowserCpuPercent - none.BrowserCpuPercent:+0.0;-0.0} % |");
            Console.WriteLine();
            Console.WriteLine($"clock check, page epoch − this process's epoch: {clockBefore.Offset:+0.00;-0.00} ms (±{clockBefore.Rtt / 2:F2}) before, {clockAfter.Offset:+0.00;-0.00} ms (±{clockAfter.Rtt / 2:F2}) after; " +
                $"/api/stock updatedAt − event timestamp at most {picker.MaxUpdatedAtGapMs:F2} ms apart");
            Console.WriteLine($"load average (1, 5, 15 min) at the start {loadAtStart}, at the end {BenchProcess.LoadAverage()}, on {Environment.ProcessorCount} cores shared by the gateway, the browser, the broker and this process");
            Console.WriteLine($"phases: {string.Join(", ", phases)}");
            Console.WriteLine();
            Console.WriteLine("README lines:");
            Console.WriteLine($"| signage: shelf decision (the event's `timestamp`) → the tile's `data-count` in headless Chromium, {one.Count} picks, {ids.Length} screens open | {Figures(one)} |");
            Console.WriteLine($"| signage: promotion delta published to Mosquitto → the tile's `data-price`, {promo.Count} deltas | {Figures(promo)} |");
            Console.WriteLine($"| signage: {pageCount} screens open at once ({mix}), shelf decision → `data-count` on every page showing the SKU, {fifty.Count} page updates over {picks} picks | {Figures(fifty)} (the idle pages alone keep {many.BrowserCpuPercent / 100:F1} of the {Environment.ProcessorCount} cores busy) |");
            Console.WriteLine($"| signage: {pageCount} screens' event streams read without a browser, shelf decision → content event read, {rawLatency.Count} stream updates over {rawPicks} picks | {Figures(rawLatency)} |");
            Console.WriteLine($"| gateway with {pageCount} screens streaming (their proof of play included) vs none, {idleSeconds} s idle each | {many.RssMiB - none.RssMiB:+0.0;-0.0} MiB RSS ({none.RssMiB:F1} → {many.RssMiB:F1} MiB), " +
                $"{many.CpuPercent - none.CpuPercent:+0.00;-0.00} % of one core ({none.CpuPercent:F2} → {many.CpuPercent:F2} %) |");
        }
        finally
        {
            playwright?.Dispose(); // the browser, and with it every page, is closed by then (await using)
            gateway.Kill(entireProcessTree: true);
            broker.Kill();
            await gateway.WaitForExitAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Promotions(string sku, long version, long? baseVersion, long discount)
    {
        string promotion = $"{{\"id\":\"bench-drinks\",\"version\":{version},\"skus\":[\"{sku}\"],\"discount\":{{\"type\":\"amount\",\"value\":{discount}}},\"priority\":100," +
            $"\"title\":{{\"ja\":\"{discount}円引き\",\"en\":\"¥{discount} off\"}}}}";
        return baseVersion is { } b
            ? $"{{\"correlationId\":\"promo-{version}\",\"version\":{version},\"baseVersion\":{b},\"upsert\":[{promotion}]}}"
            : $"{{\"correlationId\":\"promo-{version}\",\"version\":{version},\"items\":[{promotion}]}}";
    }

    private static async Task<Screen> OpenAsync(IBrowser browser, string baseUrl, string id)
    {
        // A context per screen, as separate kiosks are: Chromium allows 6 HTTP/1.1 connections per host in one
        // profile, and each page holds one for its event stream.
        IBrowserContext context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 720 } });
        await context.AddInitScriptAsync(Recorder);
        IPage page = await context.NewPageAsync();
        await page.GotoAsync($"{baseUrl}/signage/{id}", new() { WaitUntil = WaitUntilState.Commit, Timeout = 120_000 }); // connected is what counts: WaitPlayersAsync
        return new Screen(id, context, page);
    }

    private static async Task CloseAllAsync(List<Screen> screens)
    {
        await Task.WhenAll(screens.Select(s => s.Context.CloseAsync()));
        screens.Clear();
    }

    private static async Task<Dom> WaitDomAsync(IPage page, string sku, string field, string? value, int from, double since)
    {
        IJSHandle found = await page.WaitForFunctionAsync(Changed, new object?[] { sku, field, value, from, since }, new() { Timeout = 60_000, PollingInterval = 10 });
        JsonElement at = await found.JsonValueAsync<JsonElement>();
        return new Dom(at[0].GetDouble(), at[1].GetDouble(), at[2].GetString() ?? "");
    }

    private static async Task WaitPlayersAsync(HttpClient http, int players, Process gateway, System.Collections.Concurrent.ConcurrentQueue<string> log) =>
        await WaitAsync(async () => (await http.GetFromJsonAsync<JsonElement>("/api/screens")).EnumerateArray().Sum(s => s.GetProperty("connectedPlayers").GetInt32()) == players,
            $"the gateway never counted {players} connected players", gateway, log);

    // The page's epoch clock against this process's, bracketed by the round trip: the best of five.
    private static async Task<(double Offset, double Rtt)> ClockAsync(IPage page)
    {
        (double Offset, double Rtt) best = (0, double.MaxValue);
        for (int i = 0; i < 5; i++)
        {
            double before = Now();
            double at = await page.EvaluateAsync<double>("() => performance.timeOrigin + performance.now()");
            double after = Now();
            if (after - before < best.Rtt)
            {
                best = (at - ((before + after) / 2), after - before);
            }
        }

        return best;
    }

    private static async Task<Idle> IdleAsync(int pid, int brokerPid, int seconds)
    {
        long ticks = CpuTicks(pid);
        Dictionary<int, long> browser = BrowserTicks(pid, brokerPid);
        var wall = Stopwatch.StartNew();
        double rss = 0;
        for (int s = 0; s < seconds; s++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            rss += BenchProcess.ReadKb(pid, "VmRSS:") / 1024.0;
        }

        // utime + stime are in USER_HZ, 100 per second on Linux whatever the kernel's tick.
        double Percent(long t) => t / 100.0 / wall.Elapsed.TotalSeconds * 100;
        long browserTicks = BrowserTicks(pid, brokerPid).Sum(kv => kv.Value - browser.GetValueOrDefault(kv.Key));
        return new Idle(rss / seconds, Percent(CpuTicks(pid) - ticks), Percent(browserTicks));
    }

    // utime + stime of every process below this one but not below `except` (the gateway, the broker): the Playwright
    // driver and the browser with all its renderers.
    private static Dictionary<int, long> BrowserTicks(params int[] except)
    {
        var parent = new Dictionary<int, int>();
        var ticks = new Dictionary<int, long>();
        foreach (string d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out int pid))
            {
                continue;
            }

            try
            {
                string stat = File.ReadAllText(d + "/stat");
                string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                (parent[pid], ticks[pid]) = (int.Parse(f[1], Inv), long.Parse(f[11], Inv) + long.Parse(f[12], Inv));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile
            }
        }

        bool Below(int pid)
        {
            for (int p = pid; parent.TryGetValue(p, out int up); p = up)
            {
                if (except.Contains(p))
                {
                    return false;
                }

                if (up == Environment.ProcessId)
                {
                    return true;
                }
            }

            return false;
        }

        return ticks.Where(kv => Below(kv.Key)).ToDictionary();
    }

    private static long CpuTicks(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) ": field 3 (state) is [0]
        return long.Parse(fields[11], Inv) + long.Parse(fields[12], Inv);
    }

    private static void Row(string what, List<double> ms, double? goal)
    {
        ms.Sort();
        string verdict = goal is { } g ? $"p95 < {g:F0} ms: {(P(ms, 0.95) < g ? "met" : "NOT met")}" : "";
        Console.WriteLine($"| {what} | {ms.Count} | {P(ms, 0.5):F1} | {P(ms, 0.95):F1} | {ms[^1]:F1} | {verdict} |");
    }

    private static string Figures(List<double> ms) => $"median {P(ms, 0.5):F0} ms, p95 {P(ms, 0.95):F0} ms, max {ms[^1]:F0} ms";

    // Nearest rank.
    private static double P(List<double> sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];


    private static double Now() => EpochMs(DateTimeOffset.UtcNow);

    private static double EpochMs(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerMillisecond;

    private static void Keep(System.Collections.Concurrent.ConcurrentQueue<string> log, string? line)
    {
        if (line is not null)
        {
            log.Enqueue(line);
            while (log.Count > 40 && log.TryDequeue(out _))
            {
            }
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> done, string failure, Process gateway, System.Collections.Concurrent.ConcurrentQueue<string> log)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                if (await done())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
            {
            }

            if (gateway.HasExited)
            {
                break;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"{failure}; the gateway's last lines:\n{string.Join('\n', log)}");
    }
}
