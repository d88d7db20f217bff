using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet;

namespace Edge.Bench;

/// <summary>
/// Soak of the real gateway (Release build, simulated store with shoppers) syncing to a real Mosquitto that is killed
/// (SIGKILL) and restarted every few minutes. It measures whether memory stays flat (VmRSS from minute 5 on should move
/// by at most 5 MiB) and whether every journaled shelf event reaches a persistent-session QoS 1 subscriber as the
/// README's "Cloud sync" promises: at least once, and never two bodies under one message id. A broker without
/// persistence forgets, when killed, what it had queued for the subscriber, so an event the gateway saw acknowledged but
/// the subscriber never got is reported as lost by the broker restart, apart from events the gateway never sent.
/// </summary>
internal static class SoakHarness
{
    private const string Topics = "retail/store-001/gw-01/";
    private const string ShelfIds = "gw-01:shelf:";

    /// <summary>Arguments: [minutes] [restartEveryMinutes] [actionsPerMinute], by default 30, 5 and 600.</summary>
    public static async Task RunAsync(string[] args)
    {
        int Arg(int i, int otherwise) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : otherwise;
        (int minutes, int restartEvery, int actionsPerMinute) = (Arg(0, 30), Arg(1, 5), Arg(2, 600));
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler interrupt = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += interrupt;
        CancellationToken ct = cts.Token;
        string dir = Directory.CreateTempSubdirectory("edge-soak-").FullName;
        int mqttPort = BenchProcess.FreePort(), httpPort = BenchProcess.FreePort();
        var broker = new Broker(dir, mqttPort);
        using var subscriber = new Subscriber(mqttPort);
        using var stopSubscriber = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(5) };
        var warnings = new System.Collections.Concurrent.ConcurrentQueue<string>();
        Process? gateway = null;
        Task subscribing = Task.CompletedTask;
        try
        {
            broker.Start();
            subscribing = subscriber.RunAsync(stopSubscriber.Token);
            await WaitAsync(() => Task.FromResult(broker.Alive() && subscriber.Subscribed > 0), "the subscriber did not connect", ct);
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in new[] { BenchProcess.FindGateway(), "run", "--simulate", "--data-dir", Path.Combine(dir, "data"), "--urls", $"http://127.0.0.1:{httpPort}", "--sim-shopper-rate", Str(actionsPerMinute) })
            {
                info.ArgumentList.Add(a);
            }

            (info.Environment["Cloud__Mode"], info.Environment["Cloud__Mqtt__Host"], info.Environment["Cloud__Mqtt__Port"]) = ("Mqtt", "127.0.0.1", Str(mqttPort));
            info.Environment["Cloud__Outbox__CommitInterval"] = "00:00:00.050";
            // One line per log entry, so that the report can quote the gateway's warnings.
            (info.Environment["Logging__Console__FormatterName"], info.Environment["Logging__Console__FormatterOptions__SingleLine"]) = ("simple", "true");
            gateway = Process.Start(info)!;
            DataReceivedEventHandler keep = (_, e) =>
            {
                if (e.Data is { Length: > 5 } line && line[..5] is "warn:" or "fail:" or "crit:")
                {
                    warnings.Enqueue(line);
                }
            };
            gateway.OutputDataReceived += keep;
            gateway.ErrorDataReceived += keep;
            gateway.BeginOutputReadLine();
            gateway.BeginErrorReadLine();
            Process g = gateway;
            JsonElement h = default;
            await WaitAsync(async () => !g.HasExited && (h = await HealthAsync(http, ct, orDefault: true)).ValueKind == JsonValueKind.Object, "the gateway did not answer /healthz", ct);
            long seqAtStart = Num(h, "journalSeq");

            int warm = Math.Min(5, Math.Max(1, minutes / 2)); // a short trial run still gets a baseline
            Console.WriteLine($"soak: {minutes} min, Mosquitto SIGKILLed every {restartEvery} min, {actionsPerMinute} shopper actions/min requested; RSS baseline from minute {warm}");
            Console.WriteLine("  min  VmRSS MiB  VmHWM MiB  journalSeq  received  pending  connectAttempts");
            var restarts = new List<(long From, long ForwardedAtKill, long ForwardedAfter)>();
            long actionsAtStart = await ActionsAsync(http, ct);
            double rssWarm = 0, rss = 0, rssMin = double.MaxValue, rssMax = 0;
            int minute = 1, nextRestart = restartEvery > 0 ? restartEvery : int.MaxValue;
            var clock = Stopwatch.StartNew();
            for (int second = 1; second <= minutes * 60; second++)
            {
                await Task.Delay(TimeSpan.FromSeconds(second) - clock.Elapsed is { Ticks: > 0 } wait ? wait : TimeSpan.Zero, ct);
                if (gateway.HasExited)
                {
                    throw new InvalidOperationException($"the gateway exited with {gateway.ExitCode}");
                }

                rss = BenchProcess.ReadKb(gateway.Id, "VmRSS:") / 1024.0;
                if (second >= warm * 60)
                {
                    (rssMin, rssMax) = (Math.Min(rssMin, rss), Math.Max(rssMax, rss));
                }

                if (second == minute * 60)
                {
                    h = await HealthAsync(http, ct);
                    rssWarm = minute == warm ? rss : rssWarm;
                    Console.WriteLine($"  {minute,3}  {rss,9:F1}  {BenchProcess.ReadKb(gateway.Id, "VmHWM:") / 1024.0,9:F1}  {Num(h, "journalSeq"),10}  {subscriber.Shelf,8}  {Num(h, "cloud.outbox.pending"),7}  {Num(h, "cloud.connectAttempts"),15}");
                    minute++;
                }

                if (second == nextRestart * 60 && nextRestart < minutes)
                {
                    nextRestart += restartEvery;
                    // What a restart can lose: from the first seq the subscriber lacks at the kill (not counting earlier
                    // restarts' windows) to what was forwarded once it was subscribed again. Up to forwardedShelfSeq at the
                    // kill it may have been queued in the broker; after it, it was published before the subscriber was back.
                    long from = subscriber.FirstMissingAfter(restarts.Count > 0 ? restarts[^1].ForwardedAfter : 0);
                    (long atKill, int subscribed) = (Num(await HealthAsync(http, ct), "cloud.forwardedShelfSeq"), subscriber.Subscribed);
                    broker.Kill();
                    await Task.Delay(TimeSpan.FromSeconds(3), ct);
                    broker.Start();
                    await WaitAsync(() => Task.FromResult(broker.Alive() && subscriber.Subscribed > subscribed), "the subscriber did not resubscribe", ct);
                    restarts.Add((from, atKill, Num(await HealthAsync(http, ct), "cloud.forwardedShelfSeq")));
                    Console.WriteLine($"       Mosquitto killed, back 3 s later, subscriber resubscribed at {clock.Elapsed.TotalMinutes:F2} min; loss window: {(restarts[^1].ForwardedAfter >= from ? $"seq {from}..{restarts[^1].ForwardedAfter}" : "empty")} (forwarded at the kill: {atKill})");
                }
            }

            long seqAtEnd = Num(await HealthAsync(http, ct), "journalSeq");
            Console.WriteLine("sampling stopped (the shoppers go on); waiting up to 3 min for forwardedShelfSeq == journalSeq and outbox.pending == 0");
            (long n, bool drained, var drain) = (0L, false, Stopwatch.StartNew());
            while (!drained && drain.Elapsed < TimeSpan.FromMinutes(3))
            {
                h = await HealthAsync(http, ct);
                n = Num(h, "journalSeq");
                drained = Num(h, "cloud.forwardedShelfSeq") == n && Num(h, "cloud.outbox.pending") == 0;
                await Task.Delay(drained ? 0 : 100, ct);
            }

            Console.WriteLine(drained ? $"drained after {drain.Elapsed.TotalSeconds:F1} s at journalSeq {n}" : $"NOT drained within 3 min; accounting up to journalSeq {n}");
            // acknowledgedShelfSeq is checkpointed every 5 s, and the subscriber may still be receiving.
            for (var settle = Stopwatch.StartNew(); settle.Elapsed < TimeSpan.FromSeconds(15) && (Num(h, "cloud.acknowledgedShelfSeq") < n || subscriber.FirstMissingAfter(0) <= n);)
            {
                await Task.Delay(250, ct);
                h = await HealthAsync(http, ct);
            }

            await stopSubscriber.CancelAsync();
            await subscribing;
            long acked = Num(h, "cloud.acknowledgedShelfSeq");
            List<long> missing = subscriber.Missing(n);
            int lost = missing.Count(s => s <= acked);
            int queued = missing.Count(s => s <= acked && restarts.Any(r => s >= r.From && s <= r.ForwardedAtKill));
            int early = missing.Count(s => s <= acked && restarts.Any(r => s > r.ForwardedAtKill && s >= r.From && s <= r.ForwardedAfter));

            Console.WriteLine($"RSS: {rssWarm:F1} MiB at minute {warm}, {rss:F1} MiB at the end; max-min from minute {warm} on: {rssMax - rssMin:F1} MiB (goal <= 5 MiB)");
            Console.WriteLine($"journal events/min (from /healthz journalSeq, merged actions count once): {(seqAtEnd - seqAtStart) / (minutes * 1.0):F1} (seq {seqAtStart} -> {seqAtEnd} in {minutes} min)");
            Console.WriteLine($"shopper actions/min achieved (GET /api/simulation/shoppers): {(await ActionsAsync(http, ct) - actionsAtStart) / clock.Elapsed.TotalMinutes:F1} of {actionsPerMinute} requested");
            Console.WriteLine($"messages received on events/ topics: {subscriber.Envelopes} ({subscriber.Shelf} shelf events); distinct message ids {subscriber.Distinct}; duplicates {subscriber.Envelopes - subscriber.Distinct}; unparseable {subscriber.Malformed}; other topics {subscriber.Other}");
            Console.WriteLine($"journal seqs 1..{n}: received {n - missing.Count}, missing at the subscriber {missing.Count}{(missing.Count > 0 ? $" (first: {string.Join(", ", missing.Take(20))})" : "")}");
            Console.WriteLine($"  lost by the broker restart (at or below acknowledgedShelfSeq {acked}): {lost} ({queued} forwarded before a kill, {early} journaled while the broker was down and published before the subscriber was back, {lost - queued - early} outside every loss window)");
            Console.WriteLine($"  never sent by the gateway (above acknowledgedShelfSeq): {missing.Count - lost}");
            Console.WriteLine($"message ids reused for two different event bodies: {subscriber.Reused}; shelf ids not matching the event's epoch:seq: {subscriber.BadIds}; journal epochs seen: {subscriber.Epochs}");
            Console.WriteLine($"outbox: droppedStock {Num(h, "cloud.outbox.droppedStock")}, droppedAlert {Num(h, "cloud.outbox.droppedAlert")}, droppedTelemetry {Num(h, "cloud.outbox.droppedTelemetry")}, expired {Num(h, "cloud.outbox.expired")}, refused {Num(h, "cloud.outbox.refused")}; journal waiting {Num(h, "journal.waiting")}, dropped {Num(h, "journal.dropped")}");
            Console.WriteLine($"gateway warnings and errors: {warnings.Count}{string.Concat(warnings.Take(20).Select(w => "\n    " + w))}");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Console.WriteLine("interrupted; cleaning up");
        }
        finally
        {
            Console.CancelKeyPress -= interrupt;
            await stopSubscriber.CancelAsync();
            await subscribing;
            if (gateway is { HasExited: false })
            {
                gateway.Kill(entireProcessTree: true);
                await gateway.WaitForExitAsync(CancellationToken.None);
            }

            gateway?.Dispose();
            broker.Kill();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task<long> ActionsAsync(HttpClient http, CancellationToken ct)
    {
        using JsonDocument doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/simulation/shoppers", UriKind.Relative), ct));
        return doc.RootElement.GetProperty("actions").GetInt64();
    }

    // /healthz answers 503 with the same body while the journal or the outbox cannot write.
    private static async Task<JsonElement> HealthAsync(HttpClient http, CancellationToken ct, bool orDefault = false)
    {
        try
        {
            using HttpResponseMessage r = await http.GetAsync(new Uri("/healthz", UriKind.Relative), ct);
            using JsonDocument doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync(ct));
            return doc.RootElement.Clone();
        }
        catch (HttpRequestException) when (orDefault)
        {
            return default;
        }
    }

    // A dotted path into /healthz, e.g. "cloud.outbox.pending"; a missing field reads -1 so that it shows.
    private static long Num(JsonElement e, string path)
    {
        foreach (string part in path.Split('.'))
        {
            e = e.ValueKind == JsonValueKind.Object && e.TryGetProperty(part, out JsonElement child) ? child : default;
        }

        return e.ValueKind == JsonValueKind.Number ? e.GetInt64() : -1;
    }

    private static async Task WaitAsync(Func<Task<bool>> done, string failure, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!await done())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException(failure);
            }

            await Task.Delay(50, ct);
        }
    }

    /// <summary>Mosquitto without persistence on a fixed loopback port; a kill (SIGKILL) loses its sessions and queues.</summary>
    private sealed class Broker(string dir, int port)
    {
        private Process? _process;

        public void Start()
        {
            string conf = Path.Combine(dir, "mosquitto.conf");
            File.WriteAllText(conf, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 200000\nlog_dest stderr\nlog_type error\n");
            _process = Process.Start(new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", conf]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            _process.BeginErrorReadLine();
            _process.BeginOutputReadLine();
        }

        /// <summary>True while the process runs (the subscriber's connect loop probes the port); throws once it has exited.</summary>
        public bool Alive() => _process is { HasExited: false } ? true : throw new InvalidOperationException($"mosquitto exited with {_process?.ExitCode}");

        public void Kill()
        {
            if (_process is { HasExited: false })
            {
                _process.Kill();
                _process.WaitForExit();
            }

            _process?.Dispose();
            _process = null;
        }
    }

    /// <summary>
    /// A QoS 1 subscriber with a persistent session (fixed client id); one loop owns its connection. It records every
    /// envelope by message id, and every shelf event by the journal seq it carries.
    /// </summary>
    private sealed class Subscriber(int port) : IDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly Lock _lock = new();
        private readonly Dictionary<string, string> _bodies = [];
        private readonly HashSet<long> _seqs = [];
        private readonly HashSet<string> _epochs = [];
        private int _subscribed;

        // Written under the lock; read live only for progress, exactly once the subscriber has stopped.
        public long Envelopes, Shelf, Other, Malformed, Reused, BadIds;

        /// <summary>Connects that ended subscribed.</summary>
        public int Subscribed => Volatile.Read(ref _subscribed);

        /// <summary>The first journal seq after <paramref name="after"/> not received yet.</summary>
        public long FirstMissingAfter(long after)
        {
            lock (_lock)
            {
                while (_seqs.Contains(after + 1))
                {
                    after++;
                }

                return after + 1;
            }
        }

        // These three only once the subscriber has stopped.
        public int Distinct => _bodies.Count;

        public int Epochs => _epochs.Count;

        public List<long> Missing(long last) => [.. Enumerable.Range(1, (int)Math.Max(0, last)).Where(s => !_seqs.Contains(s)).Select(s => (long)s)];

        public async Task RunAsync(CancellationToken ct)
        {
            _client.ApplicationMessageReceivedAsync += e => { Record(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload); return Task.CompletedTask; };
            MqttClientOptions options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("edge-soak-subscriber")
                .WithProtocolVersion(MqttProtocolVersion.V311).WithCleanSession(false).Build();
            MqttClientSubscribeOptions subscribe = new MqttClientFactory().CreateSubscribeOptionsBuilder().WithTopicFilter(Topics + "#", MqttQualityOfServiceLevel.AtLeastOnce).Build();
            bool subscribed = false;
            while (!ct.IsCancellationRequested)
            {
                // MQTTnet applies no timeout of its own under a cancellable token: every step gets a deadline.
                using var step = CancellationTokenSource.CreateLinkedTokenSource(ct);
                step.CancelAfter(TimeSpan.FromSeconds(5));
                try
                {
                    if (!_client.IsConnected)
                    {
                        subscribed = false;
                        await _client.ConnectAsync(options, step.Token);
                    }

                    if (!subscribed)
                    {
                        // On every connect: a killed broker without persistence has forgotten the session.
                        await _client.SubscribeAsync(subscribe, step.Token);
                        subscribed = true;
                        Interlocked.Increment(ref _subscribed);
                    }

                    await Task.Delay(50, ct);
                }
                catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
                {
                    await Task.Delay(10, CancellationToken.None); // the broker is down (retry soon: the gateway races us), or this is the end
                }
            }
        }

        public void Dispose() => _client.Dispose();

        private void Record(string topic, ReadOnlySequence<byte> payload)
        {
            lock (_lock)
            {
                if (!topic.StartsWith(Topics + "events/", StringComparison.Ordinal))
                {
                    Other++;
                    return;
                }

                Envelopes++;
                try
                {
                    using JsonDocument doc = JsonDocument.Parse(payload);
                    (string id, JsonElement ev) = (doc.RootElement.GetProperty("messageId").GetString()!, doc.RootElement.GetProperty("event"));
                    string body = ev.GetRawText();
                    Reused += _bodies.TryAdd(id, body) || _bodies[id] == body ? 0 : 1;
                    if (id.StartsWith(ShelfIds, StringComparison.Ordinal))
                    {
                        long seq = ev.GetProperty("seq").GetInt64();
                        string? epoch = ev.TryGetProperty("epoch", out JsonElement e) ? e.GetString() : null;
                        BadIds += id == (epoch is null ? $"{ShelfIds}{seq}" : $"{ShelfIds}{epoch}:{seq}") ? 0 : 1;
                        Shelf++;
                        _epochs.Add(epoch ?? "(none)");
                        _seqs.Add(seq);
                    }
                }
                catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
                {
                    Malformed++;
                }
            }
        }
    }
}
