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
    public static async Task RunAsync(int count)
    {
        string dir = Directory.CreateTempSubdirectory("edge-drain-").FullName;
        int port = BenchProcess.FreePort();
        File.WriteAllText(Path.Combine(dir, "m.conf"), $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 0\nmax_queued_messages 0\n");
        using Process broker = Process.Start(new ProcessStartInfo(Tool("mosquitto"), ["-c", Path.Combine(dir, "m.conf")]) { RedirectStandardError = true })!;
        WaitForPort(port);
        try
        {
            byte[] payload = Encoding.UTF8.GetBytes("{\"seq\":1,\"type\":\"ItemsRemoved\",\"shelfId\":\"S-01\",\"sku\":\"4901005202078\",\"countBefore\":12,\"countAfter\":11,\"grams\":-81.2,\"confidence\":0.97}");
            using var db = new LiteDatabase(Path.Combine(dir, "outbox.db"));
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

            using var cts = new CancellationTokenSource();
            var transport = new MqttTransport(new MqttOptions { Host = "127.0.0.1", Port = port }, Edge.Gateway.Cloud.RetailTopics.For("s", "g"), "s-g");
            using var pump = new OutboxPump(outbox, transport, new PumpOptions { RatePerSecond = 0, MaxInFlight = 64 });
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
            Console.WriteLine($"  outbox + pump: {ours:F0} msg/s ({drain.Elapsed.TotalSeconds:F1} s), acknowledged and checkpointed; mosquitto_pub -q 1 -l: {reference:F0} msg/s ({pub.Elapsed.TotalSeconds:F1} s)");
            Console.WriteLine($"  outbox commits during the drain (checkpoints): {outbox.Stats.Commits}");
        }
        finally
        {
            broker.Kill();
            Directory.Delete(dir, recursive: true);
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
