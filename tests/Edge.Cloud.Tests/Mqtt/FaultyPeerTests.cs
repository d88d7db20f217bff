using System.Text;
using System.Text.Json;
using Edge.Cloud.Mqtt;
using Edge.Cloud.Outbox;
using Edge.Cloud.Tests.Brokers;
using Edge.Cloud.Tests.Outbox;
using Edge.Cloud.Transport;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Cloud.Tests.Mqtt;

/// <summary>The link and the inbound path against peers that hang, stop acknowledging, or send what they should not.</summary>
public sealed class FaultyPeerTests : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-faulty-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running).WaitAsync(Deadline);
        Directory.Delete(_dir, recursive: true);
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

    private MqttTransport Start(int port, TimeProvider? time = null, InboundLimits? limits = null, string clientId = "")
    {
        var options = new MqttOptions { Host = "127.0.0.1", Port = port, ClientId = clientId.Length > 0 ? clientId : null };
        var transport = new MqttTransport(options, TestTopics.Scheme, "s1-g1", new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), () => 0), time, limits);
        _running.Add(transport.RunAsync(_stop.Token));
        return transport;
    }

    [Fact]
    public async Task BrokerThatAcceptsAndNeverAnswers_EachAttemptEndsAtItsDeadline_AndTheLadderGoesOn()
    {
        var time = new FakeTimeProvider();
        using var blackHole = new BlackHoleListener();
        await using MqttTransport transport = Start(blackHole.Port, time);

        for (int attempt = 1; attempt <= 3; attempt++)
        {
            await WaitUntil(() => blackHole.Accepted == attempt, $"TCP connection {attempt}");
            Assert.Equal(attempt, transport.ConnectAttempts);
            Assert.False(transport.IsConnected);

            // Nothing comes back; the attempt ends exactly when its deadline passes on the (fake) clock.
            time.Advance(TimeSpan.FromSeconds(9));
            await Task.Delay(TimeSpan.FromMilliseconds(200));
            Assert.Equal(attempt - 1, transport.Link.Delays.Count);
            time.Advance(TimeSpan.FromSeconds(1));
            await WaitUntil(() => transport.Link.Delays.Count == attempt, $"attempt {attempt} to fail");
        }

        Assert.Contains("no CONNACK", transport.LastError, StringComparison.Ordinal);
        Assert.Contains("within 10 s", transport.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokerThatStopsAcknowledging_APublishMissesItsDeadline_AndTheLinkReconnects()
    {
        var time = new FakeTimeProvider();
        var withhold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int held = 0;
        await using InProcessBroker broker = await InProcessBroker.StartAsync(s => s.InterceptingPublishAsync += async e =>
        {
            // The first event publish gets no PUBACK: the broker's processing of it never finishes.
            if (e.ApplicationMessage.Topic.Contains("/events/", StringComparison.Ordinal) && Interlocked.Increment(ref held) == 1)
            {
                await withhold.Task;
            }
        });
        await using MqttTransport transport = Start(broker.Port, time);
        await transport.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);
        var message = new OutboxMessage(1, "m-1", "shelf", 1, "ItemsRemoved", TestClasses.Stock, DateTimeOffset.UnixEpoch, "{}"u8.ToArray(), "e1");

        Task publish = transport.SendAsync(message, CancellationToken.None);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.False(publish.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(10));

        CloudUnavailableException refused = await Assert.ThrowsAsync<CloudUnavailableException>(() => publish.WaitAsync(Deadline));
        Assert.Contains("no PUBACK within 10 s", refused.Message, StringComparison.Ordinal);
        await WaitUntil(() => transport.Link.Connections == 2 && transport.IsConnected, "the link to drop the silent connection and reconnect");
        await transport.SendAsync(message, CancellationToken.None).WaitAsync(Deadline);
        withhold.SetResult();
    }

    [Fact]
    public async Task AHandlerThatThrows_IsCounted_AndTheNextMessageIsHandled()
    {
        await using InProcessBroker broker = await InProcessBroker.StartAsync();
        await using MqttTransport transport = Start(broker.Port);
        var handled = new List<string>();
        var failures = new List<string>();
        transport.InboundFailed += (what, _) => failures.Add(what);
        transport.Inbound += m =>
        {
            lock (handled)
            {
                handled.Add(Encoding.UTF8.GetString(m.Payload));
            }

            return handled.Count == 1 ? throw new InvalidOperationException("a handler's bug") : Task.CompletedTask;
        };
        await transport.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);
        await using Subscriber cloud = await Subscriber.ConnectAsync(broker.Port, "retail/s1/g1/replies");

        await cloud.PublishAsync("retail/s1/g1/commands/tare", "{\"n\":1}");
        await cloud.PublishAsync("retail/s1/g1/commands/tare", "{\"n\":2}");
        await WaitUntil(() => { lock (handled) { return handled.Count == 2; } }, "both commands");

        Assert.Equal(["{\"n\":1}", "{\"n\":2}"], handled);
        Assert.Equal(["retail/s1/g1/commands/tare"], failures);
        Assert.Equal(1, transport.InboundStats.Failed);
        Assert.Contains("a handler's bug", transport.InboundStats.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOversizedCommand_IsRefusedWith413_BeforeItReachesTheGateway()
    {
        await using InProcessBroker broker = await InProcessBroker.StartAsync();
        await using MqttTransport transport = Start(broker.Port, limits: new InboundLimits { MaxCommandBytes = 1024 });
        int raised = 0;
        transport.Inbound += _ =>
        {
            Interlocked.Increment(ref raised);
            return Task.CompletedTask;
        };
        await transport.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);
        await using Subscriber cloud = await Subscriber.ConnectAsync(broker.Port, "retail/s1/g1/replies");

        await cloud.PublishAsync("retail/s1/g1/commands/tare", "{\"correlationId\":\"big\",\"pad\":\"" + new string('x', 2000) + "\"}");
        await cloud.PublishAsync("retail/s1/g1/commands/tare", "{\"correlationId\":\"small\"}");
        await WaitUntil(() => Volatile.Read(ref raised) == 1, "the small command");
        await cloud.WaitForAsync(r => r.Count == 1, Deadline, "the 413");

        using JsonDocument reply = JsonDocument.Parse(Assert.Single(cloud.Received).Payload);
        Assert.Equal(413, reply.RootElement.GetProperty("status").GetInt32());
        Assert.Contains("exceeds the limit of 1024 bytes", reply.RootElement.GetProperty("body").GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, transport.InboundStats.Oversized);
    }

    [Fact]
    public async Task AMessageIsAcknowledgedOnlyAfterItsHandlerReturned_SoOneCutShortIsDeliveredAgain()
    {
        using var mosquitto = new Mosquitto();
        var first = new CancellationTokenSource();
        var never = new TaskCompletionSource();
        string? delivered = null;
        var transportA = new MqttTransport(new MqttOptions { Host = "127.0.0.1", Port = mosquitto.Port, ClientId = "gw-persistent" }, TestTopics.Scheme, "s1-g1");
        transportA.Inbound += m =>
        {
            delivered = Encoding.UTF8.GetString(m.Payload);
            return never.Task; // the gateway dies while handling it
        };
        Task runA = transportA.RunAsync(first.Token);
        await transportA.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);
        await using Subscriber cloud = await Subscriber.ConnectAsync(mosquitto.Port, "retail/s1/g1/replies");
        await cloud.PublishAsync("retail/s1/g1/commands/resync", "{\"correlationId\":\"c-1\"}");
        await WaitUntil(() => delivered is not null, "the first delivery");
        await first.CancelAsync();
        await runA.WaitAsync(Deadline);
        await transportA.DisposeAsync();

        var again = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var transportB = new MqttTransport(new MqttOptions { Host = "127.0.0.1", Port = mosquitto.Port, ClientId = "gw-persistent" }, TestTopics.Scheme, "s1-g1");
        transportB.Inbound += m =>
        {
            again.TrySetResult(Encoding.UTF8.GetString(m.Payload));
            return Task.CompletedTask;
        };
        _running.Add(transportB.RunAsync(_stop.Token));

        Assert.Equal("{\"correlationId\":\"c-1\"}", await again.Task.WaitAsync(Deadline));
        never.SetResult();
    }
}
