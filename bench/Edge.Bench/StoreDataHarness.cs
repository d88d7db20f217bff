using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MQTTnet;

namespace Edge.Bench;

/// <summary>
/// Store data on the real gateway process through a real Mosquitto: how long a catalog snapshot of N items takes to
/// apply (publish → reply) and the gateway's RSS before and at its peak meanwhile; then, repeatedly, a one-SKU
/// catalog delta → the new price on <c>GET /api/prices</c>.
/// </summary>
internal static class StoreDataHarness
{
    public static async Task RunAsync(int items, int deltas)
    {
        string dir = Directory.CreateTempSubdirectory("edge-bench-storedata-").FullName;
        int mqttPort = BenchProcess.FreePort();
        int httpPort = BenchProcess.FreePort();
        string conf = Path.Combine(dir, "mosquitto.conf");
        await File.WriteAllTextAsync(conf, $"listener {mqttPort} 127.0.0.1\nallow_anonymous true\npersistence false\nmessage_size_limit 0\n");
        using Process broker = Process.Start(new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", conf]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { BenchProcess.FindGateway(), "run", "--simulate", "--data-dir", Path.Combine(dir, "data"), "--urls", $"http://127.0.0.1:{httpPort}", "--sim-shopper-rate", "0" })
        {
            info.ArgumentList.Add(a);
        }

        (info.Environment["Cloud__Mode"], info.Environment["Cloud__Mqtt__Host"], info.Environment["Cloud__Mqtt__Port"]) = ("Mqtt", "127.0.0.1", mqttPort.ToString(CultureInfo.InvariantCulture));
        info.Environment["Cloud__Inbound__MaxStoreDataBytes"] = (64 * 1024 * 1024).ToString(CultureInfo.InvariantCulture);
        using Process gateway = Process.Start(info)!;
        gateway.BeginOutputReadLine();
        gateway.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        using IMqttClient cloud = new MqttClientFactory().CreateMqttClient();
        try
        {
            await WaitAsync(async () => (await http.GetAsync("/healthz")).IsSuccessStatusCode);
            await cloud.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mqttPort).WithClientId("bench-cloud").Build());
            var replies = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
            cloud.ApplicationMessageReceivedAsync += e =>
            {
                string payload = e.ApplicationMessage.ConvertPayloadToString();
                using JsonDocument doc = JsonDocument.Parse(payload);
                replies[doc.RootElement.GetProperty("correlationId").GetString() ?? ""] = payload;
                return Task.CompletedTask;
            };
            await cloud.SubscribeAsync("retail/store-001/gw-01/replies");
            JsonElement stock = await http.GetFromJsonAsync<JsonElement>("/api/stock");
            string sku = stock[0].GetProperty("sku").GetString()!;
            await WaitAsync(async () => (await http.GetFromJsonAsync<JsonElement>("/healthz")).GetProperty("cloud").GetProperty("connected").GetBoolean());

            byte[] snapshot = Catalog(items, sku, 1);
            long rssBefore = BenchProcess.ReadKb(gateway.Id, "VmRSS:");
            await File.WriteAllTextAsync($"/proc/{gateway.Id}/clear_refs", "5"); // resets VmHWM to the current RSS
            var clock = Stopwatch.StartNew();
            await cloud.PublishBinaryAsync("retail/store-001/catalog", snapshot, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
            await WaitAsync(() => Task.FromResult(replies.ContainsKey("snap")), TimeSpan.FromMinutes(5));
            TimeSpan applied = clock.Elapsed;
            long peak = BenchProcess.ReadKb(gateway.Id, "VmHWM:");
            await Task.Delay(TimeSpan.FromSeconds(5));
            long rssAfter = BenchProcess.ReadKb(gateway.Id, "VmRSS:");
            Console.WriteLine($"catalog snapshot: {items:N0} items, {snapshot.Length / 1024.0 / 1024.0:F1} MiB: publish → reply {applied.TotalMilliseconds:F0} ms: {replies["snap"]}");
            Console.WriteLine($"gateway RSS: {rssBefore / 1024.0:F1} MiB before, peak {peak / 1024.0:F1} MiB while applying, {rssAfter / 1024.0:F1} MiB 5 s after");

            var latencies = new List<double>();
            for (int n = 0; n < deltas; n++)
            {
                long price = 2000 + n;
                string delta = $"{{\"correlationId\":\"d{n}\",\"version\":{n + 2},\"baseVersion\":{n + 1},\"upsert\":[{{\"sku\":\"{sku}\",\"name\":{{\"en\":\"x\"}},\"price\":{price},\"currency\":\"JPY\",\"category\":\"c\"}}]}}";
                clock.Restart();
                await cloud.PublishStringAsync("retail/store-001/catalog", delta, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
                while ((await http.GetFromJsonAsync<JsonElement>($"/api/prices?sku={sku}")).GetProperty("basePrice").GetInt64() != price)
                {
                    if (clock.Elapsed > TimeSpan.FromSeconds(30))
                    {
                        throw new TimeoutException($"the delta's price never showed; reply: {replies.GetValueOrDefault("d" + n)}");
                    }
                }

                latencies.Add(clock.Elapsed.TotalMilliseconds);
            }

            latencies.Sort();
            Console.WriteLine($"one-SKU delta → GET /api/prices shows it, over {deltas}: median {latencies[latencies.Count / 2]:F1} ms, p95 {latencies[(int)(latencies.Count * 0.95)]:F1} ms, max {latencies[^1]:F1} ms");
        }
        finally
        {
            gateway.Kill(entireProcessTree: true);
            broker.Kill();
            await gateway.WaitForExitAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The same snapshot applied in this process straight to the repository: time, allocation and RSS, without MQTT.</summary>
    public static void ApplyInProcess(int items)
    {
        string dir = Directory.CreateTempSubdirectory("edge-bench-apply-").FullName;
        try
        {
            using var db = Edge.Gateway.Hosting.GatewayDatabase.Open(dir);
            var repository = new Edge.Gateway.StoreData.StoreDataRepository(db);
            byte[] snapshot = Catalog(items, "4901005202078", 1);
            long rss = BenchProcess.ReadKb(Environment.ProcessId, "VmRSS:");
            File.WriteAllText($"/proc/{Environment.ProcessId}/clear_refs", "5");
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            var result = repository.Apply("catalog", snapshot, DateTimeOffset.UtcNow);
            Console.WriteLine($"in process: {result.Message} in {clock.ElapsedMilliseconds} ms, {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1024.0 / 1024.0:F0} MiB allocated, " +
                $"RSS {rss / 1024.0:F1} → peak {BenchProcess.ReadKb(Environment.ProcessId, "VmHWM:") / 1024.0:F1} MiB");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static byte[] Catalog(int items, string firstSku, long version)
    {
        var catalog = new StringBuilder($"{{\"correlationId\":\"snap\",\"version\":{version},\"items\":[");
        for (int i = 0; i < items; i++)
        {
            string s = i == 0 ? firstSku : $"49{i:D11}";
            catalog.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                $"{{\"sku\":\"{s}\",\"name\":{{\"ja\":\"商品 {i}\",\"en\":\"Product {i}\"}},\"price\":{100 + (i % 900)},\"currency\":\"JPY\",\"category\":\"cat-{i % 40}\",\"unit\":\"pc\",\"imageUrl\":\"https://cdn.example.com/p/{s}.jpg\"}}");
        }

        return Encoding.UTF8.GetBytes(catalog.Append("]}").ToString());
    }

    private static async Task WaitAsync(Func<Task<bool>> done, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await done())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException("the gateway did not get there");
            }

            await Task.Delay(5);
        }
    }
}
