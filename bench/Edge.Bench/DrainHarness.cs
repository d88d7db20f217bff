using System.Diagnostics;
using System.Net.Sockets;
using System.Net;
using System.Text;
using Edge.Cloud.Mqtt;
using Edge.Cloud.Outbox;
using Edge.Gateway.Cloud;
using Edge.Cloud.Transport;
using LiteDB;

namespace Edge.Bench;

/// <summary>
/// Drain of a backlog to a real Mosquitto: the gateway's outbox and pump (QoS 1, acknowledged one by one into the
/// outbox) against <c>mosquitto_pub -q 1 -l</c> sending the same envelopes.
/// </summary>
internal static class DrainHarness
{
    // The pump's first messages run cold code (tiered JIT) and a device's pump is warm by the time it has a backlog:
    // before the first round this many are drained untimed.
    private const int Warm = 50_000;
    private const int Rounds = 3;

    public static async Task RunAsync(int count, int inFlight = 64)
    {
        string dir = Directory.CreateTempSubdirectory("edge-drain-").FullName;
        int port = BenchProcess.FreePort();
        File.WriteAllText(Path.Combine(dir, "m.conf"), $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 0\nmax_queued_messages 0\n");
        using Process broker = Process.Start(new ProcessStartInfo(Tool("mosquitto"), ["-c", Path.Combine(dir, "m.conf")]) { RedirectStandardError = true })!;
        WaitForPort(port);
        try
        {
            using LiteDatabase db = LiteFile.Open(Path.Combine(dir, "outbox.db"));
            using var outbox = new DurableOutbox(db, new OutboxOptions { Classes = CloudClasses.Default, CommitInterval = TimeSpan.Zero });
            using var cts = new CancellationTokenSource();
            var transport = new MqttTransport(new MqttOptions { Host = "127.0.0.1", Port = port }, Edge.Gateway.Cloud.RetailTopics.For("s", "g"), "s-g");
            using var pump = new OutboxPump(outbox, transport, new PumpOptions { RatePerSecond = 0, MaxInFlight = inFlight });
            Task writer = outbox.RunAsync(cts.Token);
            Task link = transport.RunAsync(cts.Token);

            // Untimed: fill, then drain once, so that the rounds run warm code.
            await FillAsync(outbox, Warm);
            await DrainAsync(pump, outbox, Warm);

            Console.WriteLine($"drain of a {count:N0}-message backlog to Mosquitto (QoS 1, {Payload.Length}-byte events), {inFlight} in flight, {Rounds} rounds interleaved with mosquitto_pub -q 1 -l on the same envelopes (after {Warm:N0} drained untimed):");
            var ratios = new List<double>();
            List<byte[]> envelopes = [];
            for (int round = 1; round <= Rounds; round++)
            {
                long acked = outbox.AckedSeq("shelf");
                await FillAsync(outbox, count);

                // The same envelopes, one per line, for mosquitto_pub; then back in the outbox for the pump.
                string lines = Path.Combine(dir, "lines.txt");
                var taken = new List<OutboxMessage>(count);
                while (outbox.TryTake(out OutboxMessage? m))
                {
                    taken.Add(m);
                }

                envelopes = taken.Select(Envelope.Wrap).ToList();
                await File.WriteAllLinesAsync(lines, envelopes.Select(Encoding.UTF8.GetString));
                taken.ForEach(outbox.Release);

                // mosquitto_pub reads the file itself, as a device's shell would hand it one.
                TimeSpan brokerAtStart = Cpu(broker);
                var pub = Stopwatch.StartNew();
                using (Process p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", $"exec {Tool("mosquitto_pub")} -p {port} -q 1 -t retail/s/g/events/ItemsRemoved -l < {lines}"]))!)
                {
                    await p.WaitForExitAsync();
                }

                pub.Stop();
                double reference = count / pub.Elapsed.TotalSeconds;

                TimeSpan brokerAfterPub = Cpu(broker);
                TimeSpan ownAtStart = Cpu(Process.GetCurrentProcess());
                long commitsBefore = outbox.Stats.Commits;
                TimeSpan drain = await DrainAsync(pump, outbox, acked + count);
                double ours = count / drain.TotalSeconds;
                double own = PerMessage(Cpu(Process.GetCurrentProcess()) - ownAtStart, count);
                double brokerForPub = PerMessage(brokerAfterPub - brokerAtStart, count);
                double brokerForOurs = PerMessage(Cpu(broker) - brokerAfterPub, count);
                ratios.Add(ours / reference);
                Console.WriteLine($"  round {round}: outbox + pump {ours:F0} msg/s ({drain.TotalSeconds:F2} s, acknowledged and checkpointed, {outbox.Stats.Commits - commitsBefore} commits); mosquitto_pub {reference:F0} msg/s ({pub.Elapsed.TotalSeconds:F2} s); ratio {ours / reference:F2}");
                Console.WriteLine($"    CPU a message: this process {own:F1} µs; the broker {brokerForOurs:F1} µs serving it, {brokerForPub:F1} µs serving mosquitto_pub");
            }

            await transport.DisposeAsync();
            double alone = await OutboxAloneAsync(outbox, count, inFlight);
            Console.WriteLine($"  outbox + pump with a transport that only wraps each envelope and confirms it: {alone:F0} msg/s ({1e6 / alone:F1} µs a message)");
            double bare = await MqttnetAloneAsync(port, envelopes, inFlight, coalesce: false);
            double bareCoalesced = await MqttnetAloneAsync(port, envelopes, inFlight, coalesce: true);
            Console.WriteLine($"  MQTTnet alone, the last round's envelopes from memory, {inFlight} in flight: {bare:F0} msg/s with its own TCP channel, {bareCoalesced:F0} msg/s through the gateway's CoalescingChannel");
            double lane = await LaneAloneAsync(port, envelopes, inFlight);
            Console.WriteLine($"  the gateway's publish path (MqttLink over PublishLane) alone, the same envelopes from memory: {lane:F0} msg/s ({1e6 / lane:F1} µs a message)");
            Console.WriteLine($"  median ratio outbox + pump / mosquitto_pub: {ratios.Order().ElementAt(ratios.Count / 2):F2} (goal >= 0.5); load average {BenchProcess.LoadAverage()}");
            await cts.CancelAsync();
            await Task.WhenAll(writer, link);
        }
        finally
        {
            broker.Kill();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("{\"seq\":1,\"type\":\"ItemsRemoved\",\"shelfId\":\"S-01\",\"sku\":\"4901005202078\",\"countBefore\":12,\"countAfter\":11,\"grams\":-81.2,\"confidence\":0.97}");

    // The outbox's own writer commits the backlog, as many messages a commit as it allows (MaxBatch), as a gateway
    // offline for a while has it.
    private static async Task FillAsync(DurableOutbox outbox, int count)
    {
        var fills = new List<Task<OutboxReceipt>>(count);
        for (int i = 0; i < count; i++)
        {
            fills.Add(outbox.EnqueueAsync(new OutboxEntry("shelf", "ItemsRemoved", CloudClasses.Stock, Payload)));
        }

        await Task.WhenAll(fills);
    }

    // What the outbox and the pump cost without the MQTT client: the same backlog, confirmed as soon as it is wrapped.
    private static async Task<double> OutboxAloneAsync(DurableOutbox outbox, int count, int inFlight)
    {
        long acked = outbox.AckedSeq("shelf");
        await FillAsync(outbox, count);
        using var pump = new OutboxPump(outbox, new WrapOnly(), new PumpOptions { RatePerSecond = 0, MaxInFlight = inFlight });
        return count / (await DrainAsync(pump, outbox, acked + count)).TotalSeconds;
    }

    // Runs the pump until the shelf stream is acknowledged up to seq, then stops it: how long that took.
    private static async Task<TimeSpan> DrainAsync(OutboxPump pump, DurableOutbox outbox, long seq)
    {
        using var run = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        Task pumping = pump.RunAsync(run.Token);
        while (outbox.AckedSeq("shelf") < seq)
        {
            await Task.Delay(1);
        }

        clock.Stop();
        await run.CancelAsync();
        await pumping;
        return clock.Elapsed;
    }

    private sealed class WrapOnly : ICloudTransport
    {
        public bool IsConnected => true;

        public int ConnectAttempts => 1;

        public InboundStats InboundStats { get; } = new(0, 0, 0, null);

        public string? LastError => null;

        public event Action<bool, string?>? ConnectionChanged { add { } remove { } }

        public event Func<CloudInbound, Task>? Inbound { add { } remove { } }

        public Task WaitConnectedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        // Confirmed on the next thread-pool turn, as a PUBACK arrives on another thread.
        public async Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
        {
            _ = Envelope.Wrap(message);
            await Task.Yield();
        }

        public Task ReportAsync(long desiredVersion, System.Text.Json.Nodes.JsonObject reported, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task RunAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    // The link's own QoS 1 path by itself: what no outbox work can beat.
    private static async Task<double> LaneAloneAsync(int port, List<byte[]> envelopes, int inFlight)
    {
        var options = new MQTTnet.MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("lane").WithTimeout(TimeSpan.FromSeconds(10)).Build();
        await using var link = new MqttLink(_ => Task.FromResult(new MqttConnectPlan(options)), (_, _) => Task.CompletedTask, new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)));
        using var cts = new CancellationTokenSource();
        Task run = link.RunAsync(cts.Token);
        await link.WaitConnectedAsync(CancellationToken.None);
        double rate = await WindowedAsync(envelopes, inFlight, e => link.PublishAtLeastOnceAsync("retail/s/g/events/ItemsRemoved", e, retain: false, contentType: null, CancellationToken.None));
        await cts.CancelAsync();
        await run;
        return rate;
    }

    // Publishes every envelope with at most inFlight unacknowledged: messages a second.
    private static async Task<double> WindowedAsync(List<byte[]> envelopes, int inFlight, Func<byte[], Task> publish)
    {
        using var window = new SemaphoreSlim(inFlight);
        var clock = Stopwatch.StartNew();
        var sends = new List<Task>(envelopes.Count);
        foreach (byte[] e in envelopes)
        {
            await window.WaitAsync();
            sends.Add(Send(e));
        }

        await Task.WhenAll(sends);
        return envelopes.Count / clock.Elapsed.TotalSeconds;

        async Task Send(byte[] e)
        {
            try
            {
                await publish(e);
            }
            finally
            {
                window.Release();
            }
        }
    }

    private static TimeSpan Cpu(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }

    private static double PerMessage(TimeSpan cpu, int count) => cpu.TotalMicroseconds / count;

    // The MQTT client by itself.
    private static async Task<double> MqttnetAloneAsync(int port, List<byte[]> envelopes, int inFlight, bool coalesce)
    {
        var factory = new MQTTnet.MqttClientFactory();
        using MQTTnet.IMqttClient client = coalesce ? factory.CreateMqttClient(new CoalescingAdapterFactory()) : factory.CreateMqttClient();
        // MQTT 3.1.1, the gateway's default, as the link's own path below uses.
        await client.ConnectAsync(new MQTTnet.MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("bare").Build());
        double rate = await WindowedAsync(envelopes, inFlight, e => client.PublishAsync(new MQTTnet.MqttApplicationMessageBuilder().WithTopic("retail/s/g/events/ItemsRemoved").WithPayload(e).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build()));
        await client.DisconnectAsync(new MQTTnet.MqttClientDisconnectOptions());
        return rate;
    }

    private static string Tool(string name) =>
        new[] { "/usr/sbin/", "/usr/bin/" }.Select(d => d + name).FirstOrDefault(File.Exists) ?? throw new FileNotFoundException($"{name} is not installed (apt-get install mosquitto mosquitto-clients)");

    private static void WaitForPort(int port)
    {
        for (int i = 0; i < 200; i++)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new TimeoutException("mosquitto did not start");
    }
}
