using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace Edge.Cloud.Tests.Brokers;

/// <summary>A plain MQTT client standing in for the cloud side: records what arrives, publishes commands.</summary>
public sealed class Subscriber : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    public ConcurrentQueue<(string Topic, string Payload, bool Retain)> Received { get; } = new();

    public static async Task<Subscriber> ConnectAsync(int port, params string[] filters)
    {
        var s = new Subscriber();
        s._client.ApplicationMessageReceivedAsync += e =>
        {
            s.Received.Enqueue((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload)), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        await s._client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("cloud-" + Guid.NewGuid().ToString("N")).Build());
        MqttClientSubscribeOptionsBuilder sub = new MqttClientFactory().CreateSubscribeOptionsBuilder();
        foreach (string f in filters)
        {
            sub.WithTopicFilter(f, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await s._client.SubscribeAsync(sub.Build());
        return s;
    }

    public Task PublishAsync(string topic, string payload, bool retain = false) => PublishAsync(topic, Encoding.UTF8.GetBytes(payload), retain);

    /// <summary>Publishes raw bytes (for payloads that are not valid UTF-8).</summary>
    public Task PublishAsync(string topic, byte[] payload, bool retain = false) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    /// <summary>Waits until <paramref name="condition"/> holds over what arrived (polling with a deadline).</summary>
    public async Task WaitForAsync(Func<IReadOnlyCollection<(string Topic, string Payload, bool Retain)>, bool> condition, TimeSpan timeout, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition(Received))
        {
            Assert.True(clock.Elapsed < timeout, $"timed out after {timeout} waiting for {what}; got {Received.Count} messages");
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }
}
