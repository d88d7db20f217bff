using System.Globalization;
using System.Text.Json;
using Edge.Cloud.Tests.Brokers;
using Edge.Gateway.Tests.EndToEnd;

namespace Edge.Gateway.Tests.FaultInjection;

/// <summary>What the fault-injection scenarios share: the cloud's side of the topics and the checks every scenario ends with.</summary>
internal static class Scenario
{
    public const string Prefix = "retail/store-001/gw-01";

    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    /// <summary>Environment for a gateway talking to a plain broker on <paramref name="port"/>.</summary>
    public static Dictionary<string, string> Mqtt(int port) => new()
    {
        ["Cloud__Mode"] = "Mqtt",
        ["Cloud__Mqtt__Host"] = "127.0.0.1",
        ["Cloud__Mqtt__Port"] = port.ToString(CultureInfo.InvariantCulture),
        ["Cloud__Outbox__CommitInterval"] = "00:00:00.050",
    };

    /// <summary>Publishes a request and waits for the reply whose payload contains <paramref name="marker"/>.</summary>
    public static async Task<JsonElement> AskAsync(Subscriber cloud, string topic, byte[] payload, string marker)
    {
        int before = Replies(cloud).Count(r => r.Contains(marker, StringComparison.Ordinal));
        await cloud.PublishAsync(topic, payload);
        await cloud.WaitForAsync(_ => Replies(cloud).Count(r => r.Contains(marker, StringComparison.Ordinal)) > before, Deadline, "a reply containing " + marker);
        return JsonDocument.Parse(Replies(cloud).Last(r => r.Contains(marker, StringComparison.Ordinal))).RootElement.Clone();
    }

    public static Task<JsonElement> AskAsync(Subscriber cloud, string topic, string payload, string correlationId) =>
        AskAsync(cloud, topic, System.Text.Encoding.UTF8.GetBytes(payload), $"\"{correlationId}\"");

    public static List<string> Replies(Subscriber cloud) =>
        [.. cloud.Received.Where(m => m.Topic == Prefix + "/replies").Select(m => m.Payload)];

    /// <summary>Every envelope of a shelf event (stream shelf or alerts) that arrived.</summary>
    public static List<JsonElement> ShelfEvents(Subscriber cloud) =>
        [.. cloud.Received.Where(m => m.Topic.Contains("/events/", StringComparison.Ordinal))
            .Select(m => JsonDocument.Parse(m.Payload).RootElement.Clone())
            .Where(e => e.GetProperty("messageId").GetString()!.StartsWith("gw-01:shelf:", StringComparison.Ordinal))];

    /// <summary>
    /// The contract receivers rely on: two envelopes with one messageId carry the same event. A reused id would make
    /// a receiver drop a new event as a duplicate.
    /// </summary>
    public static void AssertNoIdIsReused(IEnumerable<JsonElement> envelopes)
    {
        foreach (IGrouping<string?, JsonElement> same in envelopes.GroupBy(e => e.GetProperty("messageId").GetString()))
        {
            List<string> bodies = [.. same.Select(e => e.GetProperty("event").GetRawText()).Distinct()];
            Assert.True(bodies.Count == 1, $"message id {same.Key} names {bodies.Count} different events:\n{string.Join("\n", bodies)}");
        }
    }

    /// <summary>Every journal seq from 1 to <paramref name="last"/> of one journal epoch set arrived.</summary>
    public static void AssertEverySeqArrived(IEnumerable<JsonElement> envelopes, long last, string context = "")
    {
        HashSet<long> seqs = [.. envelopes.Select(e => e.GetProperty("event").GetProperty("seq").GetInt64())];
        List<long> missing = [.. Enumerable.Range(1, (int)last).Select(i => (long)i).Where(s => !seqs.Contains(s))];
        Assert.True(missing.Count == 0, $"journal events never arrived: {string.Join(", ", missing)}\n{context}");
    }

    /// <summary>Waits until the gateway forwarded its whole journal and the outbox holds nothing more; returns that health.</summary>
    public static Task<JsonElement> DrainedAsync(GatewayProcess gateway, TimeSpan timeout, long atLeastSeq = 0) =>
        gateway.WaitForHealthAsync(
            (_, h) => h.GetProperty("cloud").GetProperty("forwardedShelfSeq").GetInt64() == h.GetProperty("journalSeq").GetInt64()
                && h.GetProperty("cloud").GetProperty("outbox").GetProperty("pending").GetInt64() == 0
                && h.GetProperty("journalSeq").GetInt64() >= atLeastSeq,
            timeout,
            "the journal drained to the cloud");

    /// <summary>Waits until the subscriber holds at least <paramref name="seqs"/> distinct journal seqs.</summary>
    public static Task DeliveredAsync(Subscriber cloud, long seqs) =>
        cloud.WaitForAsync(_ => ShelfEvents(cloud).Select(e => e.GetProperty("event").GetProperty("seq").GetInt64()).Distinct().Count() >= seqs, Deadline, $"{seqs} journaled events delivered");

    /// <summary>No .NET stack frame in what a process printed.</summary>
    public static void AssertNoStackTrace(string output) =>
        Assert.DoesNotMatch(@"(?m)^\s+at [\w.<>`]+\.[\w<>`]+\(", output);
}
