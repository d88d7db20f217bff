using System.Diagnostics;
using System.Text;
using Edge.Cloud.Outbox;
using Edge.Gateway.Cloud;
using LiteDB;

namespace Edge.Bench;

/// <summary>
/// Durable outbox figures on this disk: enqueue throughput with one commit per message against grouped commits,
/// and commits (each one fsync) per second under a steady 1,000 messages per second.
/// </summary>
internal static class OutboxHarness
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("{\"seq\":1,\"type\":\"ItemsRemoved\",\"shelfId\":\"S-01\",\"sku\":\"4901005202078\",\"countBefore\":12,\"countAfter\":11,\"grams\":-81.2,\"confidence\":0.97,\"timestamp\":\"2026-11-22T09:00:00Z\"}");

    /// <summary>Runs every scenario, or the one named (per-message, grouped, batched, steady): one at a time under strace counts fsyncs per scenario.</summary>
    public static async Task RunAsync(string? only = null)
    {
        Console.WriteLine($"payload {Payload.Length} bytes, LiteDB 5.0.20 on {Path.GetTempPath()}");
        if (only is null or "per-message")
        {
            await PerMessageAsync(2000);
        }

        if (only is null or "grouped")
        {
            await GroupedAsync(20_000, producers: 64);
        }

        if (only is null or "batched")
        {
            await BatchedAsync(100_000, batch: 500);
        }

        if (only is null or "steady")
        {
            await SteadyAsync(ratePerSecond: 1000, seconds: 10);
        }
    }

    private static OutboxEntry Entry(int i) => new("shelf", "ItemsRemoved", CloudClasses.Stock, Payload, MessageId: "m" + i);

    private static async Task PerMessageAsync(int count)
    {
        using var env = new Env();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            Task<OutboxReceipt> t = env.Outbox.EnqueueAsync(Entry(i));
            env.Outbox.CommitOnce();
            await t;
        }

        double rate = count / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"one commit per message: {rate:F0} msg/s ({count} messages, {env.Outbox.Stats.Commits} commits, {clock.Elapsed.TotalMilliseconds / count:F2} ms each)");
    }

    private static async Task GroupedAsync(int count, int producers)
    {
        using var env = new Env(new OutboxOptions { Classes = CloudClasses.Default, CommitInterval = TimeSpan.FromMilliseconds(100) });
        using var cts = new CancellationTokenSource();
        Task writer = env.Outbox.RunAsync(cts.Token);
        int next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, producers).Select(async _ =>
        {
            // Each producer waits for its message to be durable before sending the next, as a real producer would.
            for (int i; (i = Interlocked.Increment(ref next)) < count;)
            {
                await env.Outbox.EnqueueAsync(Entry(i));
            }
        }));
        TimeSpan took = clock.Elapsed;
        await cts.CancelAsync();
        await writer;
        Console.WriteLine($"grouped commits (100 ms interval, {producers} producers): {count / took.TotalSeconds:F0} msg/s ({count} messages, {env.Outbox.Stats.Commits} commits)");
    }

    private static async Task BatchedAsync(int count, int batch)
    {
        using var env = new Env(new OutboxOptions { Classes = CloudClasses.Default, CommitInterval = TimeSpan.FromMilliseconds(100) });
        using var cts = new CancellationTokenSource();
        Task writer = env.Outbox.RunAsync(cts.Token);
        var clock = Stopwatch.StartNew();
        // As the shelf bridge does: hand over a batch, wait until all of it is durable, then the next.
        for (int start = 0; start < count; start += batch)
        {
            await Task.WhenAll(Enumerable.Range(start, batch).Select(i => env.Outbox.EnqueueAsync(Entry(i))));
        }

        TimeSpan took = clock.Elapsed;
        await cts.CancelAsync();
        await writer;
        Console.WriteLine($"grouped commits (100 ms interval, batches of {batch}): {count / took.TotalSeconds:F0} msg/s ({count} messages, {env.Outbox.Stats.Commits} commits)");
    }

    private static async Task SteadyAsync(int ratePerSecond, int seconds)
    {
        using var env = new Env(new OutboxOptions { Classes = CloudClasses.Default, CommitInterval = TimeSpan.FromMilliseconds(100) });
        using var cts = new CancellationTokenSource();
        Task writer = env.Outbox.RunAsync(cts.Token);
        var latencies = new List<double>();
        var pending = new List<Task>();
        var clock = Stopwatch.StartNew();
        int sent = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            // Producers at a steady rate: enqueue whatever is due by now, then yield for 5 ms.
            int due = (int)(clock.Elapsed.TotalSeconds * ratePerSecond);
            for (; sent < due; sent++)
            {
                long started = Stopwatch.GetTimestamp();
                pending.Add(env.Outbox.EnqueueAsync(Entry(sent)).ContinueWith(_ => { lock (latencies) { latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds); } }, TaskScheduler.Default));
            }

            await Task.Delay(5);
        }

        await Task.WhenAll(pending);
        TimeSpan took = clock.Elapsed;
        await cts.CancelAsync();
        await writer;
        latencies.Sort();
        Console.WriteLine($"steady {ratePerSecond} msg/s for {seconds} s: {env.Outbox.Stats.Commits / took.TotalSeconds:F1} commits per second (count fsync calls with strace: LiteDB makes several per commit); enqueue-to-durable latency median {latencies[latencies.Count / 2]:F0} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:F0} ms");
    }

    private sealed class Env : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("edge-outbox-bench-").FullName;
        private readonly LiteDatabase _db;

        public Env(OutboxOptions? options = null)
        {
            _db = new LiteDatabase(Path.Combine(_dir, "outbox.db"));
            Outbox = new DurableOutbox(_db, options ?? new OutboxOptions { Classes = CloudClasses.Default, CommitInterval = TimeSpan.Zero });
        }

        public DurableOutbox Outbox { get; }

        public void Dispose()
        {
            Outbox.Dispose();
            _db.Dispose();
            Directory.Delete(_dir, recursive: true);
        }
    }
}
