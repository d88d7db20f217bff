using System.Text;
using System.Text.Json;
using Edge.Cloud.Mqtt;
using Edge.Cloud.Outbox;
using Edge.Cloud.Tests.Brokers;
using Edge.Cloud.Tests.Outbox;
using Edge.Cloud.Transport;
using LiteDB;
using Microsoft.Extensions.Time.Testing;
using MQTTnet.Protocol;

namespace Edge.Cloud.Tests.Mqtt;

public sealed class MqttTransportTests : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-mqtt-").FullName;
    private readonly LiteDatabase _db;
    private readonly DurableOutbox _outbox;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];

    public MqttTransportTests()
    {
        _db = new LiteDatabase(Path.Combine(_dir, "outbox.db"));
        _outbox = new DurableOutbox(_db, new OutboxOptions { Classes = TestClasses.All, CommitInterval = TimeSpan.FromMilliseconds(20) });
        _running.Add(_outbox.RunAsync(_stop.Token));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
        _outbox.Dispose();
        _db.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private MqttTransport StartTransport(int port, Backoff? backoff = null)
    {
        var transport = new MqttTransport(new MqttOptions { Host = "127.0.0.1", Port = port }, TestTopics.Scheme, "s1-g1", backoff ?? new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2)));
        var pump = new OutboxPump(_outbox, transport, new PumpOptions { RatePerSecond = 0 });
        _running.Add(transport.RunAsync(_stop.Token));
        _running.Add(pump.RunAsync(_stop.Token));
        return transport;
    }

    private async Task EnqueueAsync(int shelf, int alerts)
    {
        var tasks = new List<Task<OutboxReceipt>>();
        for (int i = 0; i < shelf; i++)
        {
            tasks.Add(_outbox.EnqueueAsync(new OutboxEntry("shelf", "ItemsRemoved", TestClasses.Stock, Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"))));
        }

        for (int i = 0; i < alerts; i++)
        {
            tasks.Add(_outbox.EnqueueAsync(new OutboxEntry("alerts", "SensorFault", TestClasses.Alert, Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"))));
        }

        await Task.WhenAll(tasks).WaitAsync(Deadline);
    }

    private static List<JsonElement> Envelopes(Subscriber cloud) =>
        cloud.Received.Where(m => m.Topic.Contains("/events/", StringComparison.Ordinal)).Select(m => JsonDocument.Parse(m.Payload).RootElement).ToList();

    private static void AssertGapFreeInOrder(List<JsonElement> envelopes, string stream, int count)
    {
        // Duplicates are allowed (at-least-once); after removing them by messageId the stream must be 1..count in order.
        List<long> seqs = envelopes.Where(e => e.GetProperty("stream").GetString() == stream)
            .DistinctBy(e => e.GetProperty("messageId").GetString())
            .Select(e => e.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task Pump_DeliversEveryMessageInOrderPerStream_InTheEnvelope_OnInProcessBroker()
    {
        await using InProcessBroker broker = await InProcessBroker.StartAsync();
        await using Subscriber cloud = await Subscriber.ConnectAsync(broker.Port, "retail/s1/g1/#");
        await using MqttTransport transport = StartTransport(broker.Port);
        await EnqueueAsync(shelf: 200, alerts: 20);

        await cloud.WaitForAsync(r => r.Count(m => m.Topic.Contains("/events/", StringComparison.Ordinal)) >= 220, Deadline, "220 events");

        List<JsonElement> envelopes = Envelopes(cloud);
        AssertGapFreeInOrder(envelopes, "shelf", 200);
        AssertGapFreeInOrder(envelopes, "alerts", 20);
        JsonElement first = envelopes.First(e => e.GetProperty("stream").GetString() == "shelf");
        Assert.Equal("ItemsRemoved", first.GetProperty("type").GetString());
        Assert.Equal(0, first.GetProperty("event").GetProperty("n").GetInt32());
        Assert.True(first.TryGetProperty("timestamp", out _));
        Assert.Contains(cloud.Received, m => m.Topic == "retail/s1/g1/events/SensorFault");
        Assert.Contains(cloud.Received, m => m.Topic == "retail/s1/g1/status" && m.Payload.Contains("online", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pump_DeliversInOrder_OnMosquitto_WithRetainedOnlineStatus()
    {
        using var mosquitto = new Mosquitto();
        await using Subscriber cloud = await Subscriber.ConnectAsync(mosquitto.Port, "retail/s1/g1/#");
        await using MqttTransport transport = StartTransport(mosquitto.Port);
        await EnqueueAsync(shelf: 300, alerts: 5);

        await WaitUntil(() => _outbox.AckedSeq("shelf") == 300 && _outbox.AckedSeq("alerts") == 5, "every PUBACK");
        await cloud.WaitForAsync(r => r.Count(m => m.Topic.Contains("/events/", StringComparison.Ordinal)) >= 305, Deadline, "305 events");
        AssertGapFreeInOrder(Envelopes(cloud), "shelf", 300);
        AssertGapFreeInOrder(Envelopes(cloud), "alerts", 5);

        // A client that connects later still learns the gateway is online: the status is retained.
        await using Subscriber late = await Subscriber.ConnectAsync(mosquitto.Port, "retail/s1/g1/status");
        await late.WaitForAsync(r => r.Count > 0, Deadline, "the retained status");
        Assert.Contains(late.Received, m => m.Retain && m.Payload == "{\"state\":\"online\"}");
    }

    [Fact]
    public async Task EventsOnTheGatewaysOwnPath_AndTheClientsOwnPublishes_ShareOneConnectionOnMosquitto()
    {
        using var mosquitto = new Mosquitto();
        await using Subscriber cloud = await Subscriber.ConnectAsync(mosquitto.Port, "retail/s1/g1/#");
        await using MqttTransport transport = StartTransport(mosquitto.Port);
        await transport.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);

        // Health summaries go through MQTTnet's client while the pump's events take the link's own path.
        Task events = EnqueueAsync(shelf: 500, alerts: 0);
        var reports = Enumerable.Range(1, 50).Select(i => transport.ReportHealthAsync(new System.Text.Json.Nodes.JsonObject { ["n"] = i }, CancellationToken.None)).ToList();
        await Task.WhenAll(reports).WaitAsync(Deadline);
        await events;

        await WaitUntil(() => _outbox.AckedSeq("shelf") == 500, "every PUBACK");
        await cloud.WaitForAsync(r => r.Count(m => m.Topic.Contains("/events/", StringComparison.Ordinal)) >= 500 && r.Any(m => m.Payload.Contains("\"n\":50", StringComparison.Ordinal)), Deadline, "500 events and the last summary");
        AssertGapFreeInOrder(Envelopes(cloud), "shelf", 500);
        Assert.Equal(1, transport.ConnectAttempts);
    }

    [Fact]
    public async Task BrokerOutage_BacklogArrivesAfterRestart_AndReconnectsFollowTheBackoff()
    {
        using var mosquitto = new Mosquitto();
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));
        await using MqttTransport transport = StartTransport(mosquitto.Port, backoff);
        await transport.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);
        await EnqueueAsync(shelf: 50, alerts: 0);
        await WaitUntil(() => _outbox.AckedSeq("shelf") == 50, "the first 50 acknowledged");

        mosquitto.Stop();
        await EnqueueAsync(shelf: 300, alerts: 3);
        int attemptsAtOutage = transport.ConnectAttempts;
        await WaitUntil(() => transport.ConnectAttempts >= attemptsAtOutage + 4, "four reconnect attempts while the broker is down");
        Assert.Equal(50, _outbox.AckedSeq("shelf"));
        mosquitto.Start();
        await using Subscriber cloud = await Subscriber.ConnectAsync(mosquitto.Port, "retail/s1/g1/events/#");

        await WaitUntil(() => _outbox.AckedSeq("shelf") == 350 && _outbox.AckedSeq("alerts") == 3, "the backlog acknowledged");

        // Each wait is within its full-jitter ceiling: no hot loop, no fixed-interval storm.
        IReadOnlyList<TimeSpan> delays = transport.Link.Delays;
        Assert.InRange(delays.Count, 4, 40);
        for (int i = 0; i < delays.Count; i++)
        {
            Assert.InRange(delays[i], TimeSpan.Zero, backoff.Ceiling(i + 1));
        }

        // One wait after the drop, one after each refused attempt; two attempts succeeded (before and after).
        Assert.Equal(2, transport.Link.Connections);
        Assert.Equal(transport.ConnectAttempts - transport.Link.Connections + 1, delays.Count);
        Assert.Equal(0, _outbox.Stats.Pending);
    }

    [Fact]
    public async Task RefusedCredentials_AreRetriedOnlyAfterEachBackoffWait()
    {
        var time = new FakeTimeProvider();
        await using InProcessBroker broker = await InProcessBroker.StartAsync(s => s.ValidatingConnectionAsync += e =>
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            return Task.CompletedTask;
        });
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), () => 0.5);
        await using var transport = new MqttTransport(new MqttOptions { Host = "127.0.0.1", Port = broker.Port, Username = "u", Password = "wrong" }, TestTopics.Scheme, "s1-g1", backoff, time);
        _running.Add(transport.RunAsync(_stop.Token));

        for (int failures = 1; failures <= 6; failures++)
        {
            await WaitUntil(() => transport.Link.Delays.Count == failures, $"failure {failures}");
            Assert.Equal(failures, transport.ConnectAttempts); // waiting on the (fake) clock, not retrying
            Assert.Equal(backoff.Ceiling(failures) / 2, transport.Link.Delays[^1]);
            time.Advance(transport.Link.Delays[^1]);
        }

        Assert.Contains("BadUserNameOrPassword", transport.Link.LastError, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(16), backoff.Ceiling(5));
        Assert.Equal(TimeSpan.FromSeconds(30), backoff.Ceiling(6));
    }

    [Fact]
    public async Task Commands_AreDeliveredAsInbound_AndTheReplyCarriesTheCorrelationId()
    {
        await using InProcessBroker broker = await InProcessBroker.StartAsync();
        await using MqttTransport transport = StartTransport(broker.Port);
        var inbound = new List<CloudInbound>();
        transport.Inbound += async m =>
        {
            lock (inbound)
            {
                inbound.Add(m);
            }

            if (m.Kind == InboundKind.Command)
            {
                await m.Reply(new CloudReply(200, Encoding.UTF8.GetBytes("{\"tared\":true}")), CancellationToken.None);
            }
        };
        await transport.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);
        await using Subscriber cloud = await Subscriber.ConnectAsync(broker.Port, "retail/s1/g1/replies");

        await cloud.PublishAsync("retail/s1/g1/commands/tare", "{\"correlationId\":\"c-42\",\"shelfId\":\"S-01\"}");
        await cloud.PublishAsync("retail/s1/promotions", "{\"version\":3,\"items\":[]}");
        await cloud.PublishAsync("retail/s1/g1/config/desired", "{\"$version\":7}");
        await cloud.PublishAsync("retail/s1/g2/commands/tare", "{\"correlationId\":\"not-ours\"}");
        await cloud.WaitForAsync(r => r.Count > 0, Deadline, "the reply");

        (string topic, string payload, _) = Assert.Single(cloud.Received);
        Assert.Equal("retail/s1/g1/replies", topic);
        using JsonDocument reply = JsonDocument.Parse(payload);
        Assert.Equal("c-42", reply.RootElement.GetProperty("correlationId").GetString());
        Assert.Equal(200, reply.RootElement.GetProperty("status").GetInt32());
        Assert.True(reply.RootElement.GetProperty("body").GetProperty("tared").GetBoolean());
        await WaitUntil(() => { lock (inbound) { return inbound.Count == 3; } }, "three inbound messages");
        Assert.Equal([(InboundKind.Command, "tare"), (InboundKind.Data, "promotions"), (InboundKind.DesiredConfig, "config")], inbound.Select(m => (m.Kind, m.Name)));
    }

    [Fact]
    public async Task Mqtt5_EventsCarryTheContentType_AndRepliesTheCorrelationData()
    {
        var seen = new System.Collections.Concurrent.ConcurrentQueue<MQTTnet.MqttApplicationMessage>();
        MQTTnet.Formatter.MqttProtocolVersion? version = null;
        await using InProcessBroker broker = await InProcessBroker.StartAsync(s =>
        {
            s.ValidatingConnectionAsync += e =>
            {
                version ??= e.ProtocolVersion;
                return Task.CompletedTask;
            };
            s.InterceptingPublishAsync += e =>
            {
                seen.Enqueue(e.ApplicationMessage);
                return Task.CompletedTask;
            };
        });
        var transport = new MqttTransport(new MqttOptions { Host = "127.0.0.1", Port = broker.Port, ProtocolVersion = "5" }, TestTopics.Scheme, "s1-g1", new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)));
        transport.Inbound += m => m.Reply(new CloudReply(200, "{}"u8.ToArray()), CancellationToken.None);
        _running.Add(transport.RunAsync(_stop.Token));
        using var pump = new OutboxPump(_outbox, transport, new PumpOptions { RatePerSecond = 0 });
        _running.Add(pump.RunAsync(_stop.Token));
        await transport.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);
        await EnqueueAsync(shelf: 3, alerts: 0);
        await using Subscriber cloud = await Subscriber.ConnectAsync(broker.Port, "retail/s1/g1/replies");

        await cloud.PublishAsync("retail/s1/g1/commands/resync", "{\"correlationId\":\"v5-1\"}");
        await WaitUntil(() => _outbox.AckedSeq("shelf") == 3 && seen.Any(m => m.Topic == "retail/s1/g1/replies"), "acks and the reply");

        Assert.Equal(MQTTnet.Formatter.MqttProtocolVersion.V500, version);
        Assert.All(seen.Where(m => m.Topic.Contains("/events/", StringComparison.Ordinal)), m => Assert.Equal("application/json", m.ContentType));
        MQTTnet.MqttApplicationMessage reply = seen.First(m => m.Topic == "retail/s1/g1/replies");
        Assert.Equal("v5-1", Encoding.UTF8.GetString(reply.CorrelationData));
        await transport.DisposeAsync();
    }

    [Fact]
    public async Task Mqtt5_AnEventTheBrokerRefusesForGood_IsDeadLetteredWithItsReason_AndTheStreamGoesOn()
    {
        await using InProcessBroker broker = await InProcessBroker.StartAsync(s => s.InterceptingPublishAsync += e =>
        {
            if (e.ApplicationMessage.Topic.Contains("/events/", StringComparison.Ordinal) && Encoding.UTF8.GetString(e.ApplicationMessage.Payload).Contains("\"n\":1}", StringComparison.Ordinal))
            {
                e.ProcessPublish = false;
                e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
                e.Response.ReasonString = "no events from this store";
            }

            return Task.CompletedTask;
        });
        var deadLettered = new System.Collections.Concurrent.ConcurrentQueue<(long Seq, string Reason)>();
        _outbox.DeadLettered += (m, reason) => deadLettered.Enqueue((m.Seq, reason));
        var transport = new MqttTransport(new MqttOptions { Host = "127.0.0.1", Port = broker.Port, ProtocolVersion = "5" }, TestTopics.Scheme, "s1-g1", new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)));
        _running.Add(transport.RunAsync(_stop.Token));
        using var pump = new OutboxPump(_outbox, transport, new PumpOptions { RatePerSecond = 0 });
        _running.Add(pump.RunAsync(_stop.Token));

        await EnqueueAsync(shelf: 3, alerts: 0);
        await WaitUntil(() => _outbox.AckedSeq("shelf") == 3, "the stream settled");

        Assert.Equal([(2L, "broker refused the publish: NotAuthorized no events from this store")], deadLettered);
        Assert.Equal(1, transport.ConnectAttempts); // a refusal is not a broken connection
        await transport.DisposeAsync();
    }

    [Theory]
    [InlineData("a/+/b")]
    [InlineData("a/#")]
    [InlineData("a//b")]
    [InlineData("")]
    public void APrefixWithALevelThatIsNotOne_IsRejected(string prefix)
    {
        Assert.Throws<ArgumentException>(() => new MqttTopics(prefix, new Dictionary<string, string>()));
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Deadline, $"timed out waiting for {what}");
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }
}
