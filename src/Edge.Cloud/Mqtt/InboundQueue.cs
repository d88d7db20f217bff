using System.Threading.Channels;
using MQTTnet;

namespace Edge.Cloud.Mqtt;

/// <summary>
/// Hands received messages to a handler on its own loop instead of MQTTnet's receive loop: a handler that
/// publishes a QoS 1 reply there would wait for a PUBACK that the same loop has to read.
/// </summary>
internal sealed class InboundQueue
{
    private readonly Channel<MqttApplicationMessage> _queue = Channel.CreateBounded<MqttApplicationMessage>(
        new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly Func<MqttApplicationMessage, Task> _handler;

    public InboundQueue(Func<MqttApplicationMessage, Task> handler) => _handler = handler;

    /// <summary>Called from the receive loop; waits (back-pressure) only when 1,000 messages are queued.</summary>
    public Task Enqueue(MqttApplicationMessage message) => _queue.Writer.WriteAsync(message).AsTask();

    /// <summary>Handles messages until cancelled or completed.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (MqttApplicationMessage message in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    await _handler(message);
                }
                catch (CloudUnavailableException)
                {
                    // A reply could not be sent (the link dropped); the cloud retries the request.
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>No more messages.</summary>
    public void Complete() => _queue.Writer.TryComplete();
}
