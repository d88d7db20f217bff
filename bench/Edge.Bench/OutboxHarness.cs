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
    // The steady scenario's length, also what its fsync count is divided by.
    private const int SteadySeconds = 10;

    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("{\"seq\":1,\"type\":\"ItemsRemoved\",\"shelfId\":\"S-01\",\"sku\":\"4901005202078\",\"countBefore\":12,\"countAfter\":11,\"grams\":-81.2,\"confidence\":0.97,\"timestamp\":\"2026-11-22T09:00:00Z\"}");

    /// <summary>
    /// Runs every scenario, or the one named: <c>enqueue</c> (one commit per message against a plain LiteDB insert
    /// loop, interleaved), <c>grouped</c>, <c>batched</c>, <c>steady</c>, and <c>fsync</c> (steady and the peer loop
    /// again in child processes under <c>strace -f -c</c>, counting their fsync calls).
    /// </summary>
    public static async Task RunAsync(string? only = null)
    {
        Console.WriteLine($"payload {Payload.Length} bytes, LiteDB 5.0.20 on {Path.GetTempPath()}, load average {BenchProcess.LoadAverage()}");
        switch (only)
        {
            case "steady-child":
                await SteadyAsync(ratePerSecond: 1000, seconds: SteadySeconds);
                Console.WriteLine(ChildDone);
                return;
            case "peer-child":
                PeerLoop(2000);
                Console.WriteLine(ChildDone);
                return;
            case "fsync":
                FsyncCounts();
                return;
        }

        if (only is null or "enqueue" or "per-message")
        {
            await EnqueueAgainstPeerAsync(2000, rounds: 3);
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
            await SteadyAsync(ratePerSecond: 1000, seconds: SteadySeconds);
        }
    }

    private static OutboxEntry Entry(int i) => new("shelf", "ItemsRemoved", CloudClasses.Stock, Payload, MessageId: "m" + i);

    // One commit per message, as a producer that waits for each; the peer is LiteDB's own insert loop on the same
    // disk (a file opened as LiteDB opens it, one auto-committed insert each). Interleaved so load hits both alike.
    private static async Task EnqueueAgainstPeerAsync(int count, int rounds)
    {
        var ratios = new List<double>();
        for (int round = 1; round <= rounds; round++)
        {
            double peer = PeerLoop(count);
            using var env = new Env();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < count; i++)
            {
                Task<OutboxReceipt> t = env.Outbox.EnqueueAsync(Entry(i));
                env.Outbox.CommitOnce();
                await t;
            }

            double ours = count / clock.Elapsed.TotalSeconds;
            ratios.Add(ours / peer);
            Console.WriteLine($"round {round}: one commit per message {ours:F0} msg/s ({env.Outbox.Stats.Commits} commits); plain LiteDB insert loop {peer:F0} msg/s; ratio {ours / peer:F2}");
        }

        ratios.Sort();
        Console.WriteLine($"one commit per message against the plain LiteDB insert loop: median ratio {ratios[ratios.Count / 2]:F2} over {rounds} interleaved rounds");
    }

    private static double PeerLoop(int count)
    {
        string dir = Directory.CreateTempSubdirectory("edge-outbox-peer-").FullName;
        try
        {
            using var db = new LiteDatabase(Path.Combine(dir, "peer.db"));
            ILiteCollection<BsonDocument> messages = db.GetCollection("outbox");
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < count; i++)
            {
                messages.Insert(new BsonDocument { ["_id"] = (long)i + 1, ["mid"] = "m" + i, ["stream"] = "shelf", ["seq"] = (long)i + 1, ["type"] = "ItemsRemoved", ["body"] = Payload });
            }

            return count / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private const string ChildDone = "traced scenario done";

    // This program again: through its apphost as `dotnet run` starts it, or through the host that ran the dll.
    private static string[] SelfCommand()
    {
        string self = Environment.ProcessPath!;
        return Path.GetFileNameWithoutExtension(self) == "dotnet" ? [self, typeof(OutboxHarness).Assembly.Location] : [self];
    }

    // The steady scenario and the peer loop in child processes under strace, which counts every fsync and fdatasync.
    private static void FsyncCounts()
    {
        (long ours, double oursSeconds) = Traced("steady-child");
        (long peer, _) = Traced("peer-child");
        Console.WriteLine($"steady 1,000 msg/s: {ours} fsync calls in {oursSeconds:F1} s = {ours / oursSeconds:F1} per second (goal <= 20)");
        Console.WriteLine($"plain LiteDB insert loop, 2,000 inserts (one commit each): {peer} fsync calls = {peer / 2000.0:F2} per commit");
    }

    private static (long Calls, double Seconds) Traced(string scenario)
    {
        string summary = Path.GetTempFileName();
        var clock = Stopwatch.StartNew();
        var start = new ProcessStartInfo("strace", ["-f", "-c", "-e", "trace=fsync,fdatasync", "-o", summary, .. SelfCommand(), "outbox", scenario]) { RedirectStandardOutput = true };
        using Process child = Process.Start(start) ?? throw new InvalidOperationException("strace could not be started (apt-get install strace)");
        string output = child.StandardOutput.ReadToEnd();
        Console.Write(output);
        child.WaitForExit();

        // A child that ran something else (or nothing) makes no fsync calls: that must not read as a goal met.
        if (child.ExitCode != 0 || !output.Contains(ChildDone, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the traced '{scenario}' child did not run its scenario (exit {child.ExitCode})");
        }
        double seconds = scenario == "steady-child" ? SteadySeconds : clock.Elapsed.TotalSeconds;
        long calls = File.ReadLines(summary).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 5 && f[^1] is "fsync" or "fdatasync").Sum(f => long.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture));
        File.Delete(summary);
        return (calls, seconds);
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
        Console.WriteLine($"steady {ratePerSecond} msg/s for {seconds} s: {env.Outbox.Stats.Commits / took.TotalSeconds:F1} commits per second (outbox fsync shows the sync calls); enqueue-to-durable latency median {latencies[latencies.Count / 2]:F0} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:F0} ms");
    }

    private sealed class Env : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("edge-outbox-bench-").FullName;
        private readonly LiteDatabase _db;

        public Env(OutboxOptions? options = null)
        {
            // Opened as the gateway opens it (GatewayDatabase): the log synced once per commit.
            _db = LiteFile.Open(Path.Combine(_dir, "outbox.db"));
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
