using System.Diagnostics;
using System.Text.Json;
using Edge.Gateway.Beacons;
using Edge.Gateway.Hosting;
using Edge.Gateway.Offers;
using Edge.Gateway.Omnichannel;
using Edge.Gateway.Shelves;
using Edge.Gateway.Signage;
using Edge.Gateway.Simulation;
using Edge.Gateway.StoreData;
using Microsoft.Extensions.Options;

namespace Edge.Bench;

/// <summary>
/// A simulated trading day through the offer engine on the real store data, prices and availability: N shoppers
/// (20,000 by default) arriving from 07:00 to 21:00, each dwelling in one to three zones. Measures the presence event →
/// decision latency (per Dwell) and the managed heap and RSS hour by hour.
/// </summary>
internal static class OfferHarness
{
    public static void Run(int shoppers)
    {
        string dir = Directory.CreateTempSubdirectory("edge-bench-offers-").FullName;
        try
        {
            using GatewayDatabase database = GatewayDatabase.Open(dir);
            var repository = new StoreDataRepository(database);
            var data = new StoreDataView(repository);
            var layout = new ShelfLayout(DemoStoreLayout.Shelves(), Simulated: true);
            var board = new StockBoard();
            foreach (ShelfOptions s in layout.Shelves)
            {
                board.Publish(new StockRow(s.Id, true, s.Capacity, 0, 0, SlotStatus.Ok, DateTimeOffset.UtcNow));
            }

            // One app promotion per product, a few for the store only: what a busy promotion calendar looks like.
            byte[] promotions = JsonSerializer.SerializeToUtf8Bytes(new
            {
                version = 1,
                items = layout.Shelves.Select((s, i) => new
                {
                    id = "p" + i, skus = new[] { s.Sku }, discount = new { type = "amount", value = 10 + i }, channels = i % 4 == 0 ? new[] { "store" } : new[] { "app", "store" },
                    priority = i % 3, title = new { en = "Deal " + i },
                }),
            });
            DateTimeOffset now = DateTimeOffset.UtcNow;
            data.Apply(repository.Apply(StoreDataKinds.Promotions, promotions, now), now);
            IOptions<OmnichannelOptions> omnichannel = Options.Create(new OmnichannelOptions());
            var clock = new StoreClock(TimeProvider.System, omnichannel);
            var prices = new PriceService(data, layout, clock, omnichannel);
            var engine = new OfferEngine(layout, new ScreenList(DemoStoreLayout.Screens()), data, prices,
                new AvailabilityCalculator(layout, board, data, TimeProvider.System, omnichannel), clock, Options.Create(new OffersOptions()));

            List<BeaconEvent> day = Day(shoppers, now);
            var latencies = new List<double>(shoppers * 3);
            var hours = new List<(int Hour, int Shoppers, double HeapMiB, double RssMiB)>();
            long offers = 0;
            DateTimeOffset nextPrune = day[0].Timestamp.AddMinutes(1), nextHour = day[0].Timestamp;
            GC.Collect();
            double heap0 = GC.GetTotalMemory(true) / 1048576.0, rss0 = (BenchProcess.ReadKb(Environment.ProcessId, "VmRSS:") / 1024.0);
            foreach (BeaconEvent e in day)
            {
                if (e.Timestamp >= nextPrune)
                {
                    engine.Prune(e.Timestamp);
                    nextPrune = e.Timestamp.AddMinutes(1);
                }

                if (e.Timestamp >= nextHour)
                {
                    hours.Add((hours.Count, engine.Shoppers, GC.GetTotalMemory(false) / 1048576.0, (BenchProcess.ReadKb(Environment.ProcessId, "VmRSS:") / 1024.0)));
                    nextHour = nextHour.AddHours(1);
                }

                long t0 = Stopwatch.GetTimestamp();
                OfferDecision? d = engine.Decide(e);
                if (d is not null)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                    offers += d.Offer is null ? 0 : 1;
                }
            }

            GC.Collect();
            double heap1 = GC.GetTotalMemory(true) / 1048576.0, rss1 = (BenchProcess.ReadKb(Environment.ProcessId, "VmRSS:") / 1024.0);
            latencies.Sort();
            double P(double q) => latencies[(int)Math.Min(latencies.Count - 1, q * latencies.Count)];
            OfferStats.Report stats = engine.Stats(day[^1].Timestamp);
            Console.WriteLine($"offers: {shoppers} shoppers, {day.Count} presence events, {latencies.Count} decisions, {offers} offers; suppressed {string.Join(", ", stats.Suppressed.Select(kv => $"{kv.Key} {kv.Value}"))}");
            Console.WriteLine($"decision latency µs: p50 {P(0.50):F1}, p95 {P(0.95):F1}, p99 {P(0.99):F1}, max {latencies[^1]:F1}");
            Console.WriteLine($"most shoppers kept at once: {hours.Max(h => h.Shoppers)}; managed heap {heap0:F1} → {heap1:F1} MiB after the day (peak sampled {hours.Max(h => h.HeapMiB):F1}); RSS {rss0:F1} → {rss1:F1} MiB");
            foreach ((int hour, int kept, double heapMiB, double rssMiB) in hours)
            {
                Console.WriteLine($"  hour {hour,2}: {kept,6} shoppers kept, heap {heapMiB,6:F1} MiB, RSS {rssMiB,6:F1} MiB");
            }

            Console.WriteLine($"| offer decision (presence → decision), {shoppers} shoppers a day | p50 {P(0.50):F1} µs, p95 {P(0.95):F1} µs | RSS {rss0:F1} → {rss1:F1} MiB over the day |");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // Arrivals spread over 14 hours; each shopper enters 1 to 3 zones in turn, dwells after 60 s, stays 1 to 6 minutes.
    private static List<BeaconEvent> Day(int shoppers, DateTimeOffset start)
    {
        var random = new Random(2026);
        string[] zones = ["drinks", "snacks", "daily"];
        var events = new List<BeaconEvent>(shoppers * 9);
        for (int i = 0; i < shoppers; i++)
        {
            string subject = "s-" + i.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
            DateTimeOffset t = start.AddSeconds(random.NextDouble() * 14 * 3600);
            foreach (string zone in zones.OrderBy(_ => random.Next()).Take(random.Next(1, 4)))
            {
                events.Add(new BeaconEvent(BeaconEventType.ZoneEntered, subject, zone, t));
                TimeSpan stay = TimeSpan.FromMinutes(1 + (random.NextDouble() * 5));
                events.Add(new BeaconEvent(BeaconEventType.Dwell, subject, zone, t.AddSeconds(60)));
                events.Add(new BeaconEvent(BeaconEventType.ZoneExited, subject, zone, t + stay));
                t += stay + TimeSpan.FromSeconds(random.Next(5, 60));
            }
        }

        events.Sort((a, b) => a.Timestamp.CompareTo(b.Timestamp));
        return events;
    }
}
