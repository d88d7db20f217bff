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
    public static async Task RunAsync(int count, int inFlight = 64)
    {
        string dir = Directory.CreateTempSubdirectory("edge-drain-").FullName;
        int port = BenchProcess.FreePort();
        File.WriteAllText(Path.Combine(dir, "m.conf"), $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 0\nmax_queued_messages 0\n");
        using Process broker = Process.Start(new ProcessStartInfo(Tool("mosquitto"), ["-c", Path.Combine(dir, "m.conf")]) { RedirectStandardError = true })!;
        WaitForPort(port);
        try
        {
            byte[] payload = Encoding.UTF8.GetBytes("{\"seq\":1,\"type\":\"ItemsRemoved\",\"shelfId\":\"S-01\",\"sku\":\"4901005202078\",\"countBefore\":12,\"countAfter\":11,\"grams\":-81.2,\"confidence\":0.97}");
            using LiteDatabase db = LiteFile.Open(Path.Combine(dir, "outbox.db"));
            using var outbox = new DurableOutbox(db, new OutboxOptions { Classes = CloudClasses.Default, CommitInterval = TimeSpan.Zero });
            var fills = new List<Task<OutboxReceipt>>(count);
            for (int i = 0; i < count; i++)
            {
                fills.Add(outbox.EnqueueAsync(new OutboxEntry("shelf", "ItemsRemoved", CloudClasses.Stock, payload)));
                if (i % 5000 == 4999)
                {
                    outbox.CommitOnce();
                }
            }

            outbox.CommitOnce();
            await Task.WhenAll(fills);

            // The same envelopes, one per line, for mosquitto_pub.
            string lines = Path.Combine(dir, "lines.txt");
            var taken = new List<OutboxMessage>(count);
            while (outbox.TryTake(out OutboxMessage? m))
            {
                taken.Add(m);
            }

            await using (var w = new StreamWriter(lines))
            {
                foreach (OutboxMessage m in taken)
                {
                    await w.WriteLineAsync(Encoding.UTF8.GetString(Envelope.Wrap(m)));
                }
            }

            foreach (OutboxMessage m in taken)
            {
                outbox.Release(m);
            }

            var pub = Stopwatch.StartNew();
            using (Process p = Process.Start(new ProcessStartInfo(Tool("mosquitto_pub"), ["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-q", "1", "-t", "retail/s/g/events/ItemsRemoved", "-l"]) { RedirectStandardInput = true })!)
            {
                await p.StandardInput.WriteAsync(await File.ReadAllTextAsync(lines));
                p.StandardInput.Close();
                await p.WaitForExitAsync();
            }

            pub.Stop();
            double reference = count / pub.Elapsed.TotalSeconds;
            double bare = await MqttnetAloneAsync(port, taken.Select(Envelope.Wrap).ToList(), inFlight);

            using var cts = new CancellationTokenSource();
            var transport = new MqttTransport(new MqttOptions { Host = "127.0.0.1", Port = port }, Edge.Gateway.Cloud.RetailTopics.For("s", "g"), "s-g");
            using var pump = new OutboxPump(outbox, transport, new PumpOptions { RatePerSecond = 0, MaxInFlight = inFlight });
            Task writer = outbox.RunAsync(cts.Token);
            Task link = transport.RunAsync(cts.Token);
            var drain = Stopwatch.StartNew();
            Task pumping = pump.RunAsync(cts.Token);
            while (outbox.AckedSeq("shelf") < count)
            {
                await Task.Delay(10);
            }

            drain.Stop();
            double ours = count / drain.Elapsed.TotalSeconds;
            await cts.CancelAsync();
            await Task.WhenAll(writer, link, pumping);
            await transport.DisposeAsync();
            Console.WriteLine($"drain of a {count:N0}-message backlog to Mosquitto (QoS 1, {payload.Length}-byte events in ~{new FileInfo(lines).Length / count}-byte envelopes):");
            Console.WriteLine($"  outbox + pump ({inFlight} in flight): {ours:F0} msg/s ({drain.Elapsed.TotalSeconds:F1} s), acknowledged and checkpointed; mosquitto_pub -q 1 -l: {reference:F0} msg/s ({pub.Elapsed.TotalSeconds:F1} s)");
            Console.WriteLine($"  MQTTnet alone, the same envelopes from memory, {inFlight} in flight: {bare:F0} msg/s (the client's own ceiling)");
            Console.WriteLine($"  ratio outbox + pump / mosquitto_pub: {ours / reference:F2} (goal >= 0.5); load average {BenchProcess.LoadAverage()}");
            Console.WriteLine($"  outbox commits during the drain (checkpoints): {outbox.Stats.Commits}");
        }
        finally
        {
            broker.Kill();
            Directory.Delete(dir, recursive: true);
        }
    }

    // The MQTT client by itself: what no outbox work can beat.
    private static async Task<double> MqttnetAloneAsync(int port, List<byte[]> envelopes, int inFlight)
    {
        using MQTTnet.IMqttClient client = new MQTTnet.MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MQTTnet.MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("bare").WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build());
        using var window = new SemaphoreSlim(inFlight);
        var clock = Stopwatch.StartNew();
        var sends = new List<Task>(envelopes.Count);
        foreach (byte[] e in envelopes)
        {
            await window.WaitAsync();
            sends.Add(Send(e));
        }

        await Task.WhenAll(sends);
        double rate = envelopes.Count / clock.Elapsed.TotalSeconds;
        await client.DisconnectAsync(new MQTTnet.MqttClientDisconnectOptions());
        return rate;

        async Task Send(byte[] e)
        {
            try
            {
                await client.PublishAsync(new MQTTnet.MqttApplicationMessageBuilder().WithTopic("retail/s/g/events/ItemsRemoved").WithPayload(e).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
            }
            finally
            {
                window.Release();
            }
        }
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
