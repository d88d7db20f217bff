using System.Threading.Channels;

namespace Edge.Cloud.Mqtt;

/// <summary>One received message to handle, and how to acknowledge it once handled.</summary>
/// <param name="Handle">Handles the message; whatever it throws is counted, never fatal.</param>
/// <param name="Acknowledge">Sends the PUBACK (a no-op for QoS 0 and for work the transport made itself).</param>
/// <param name="What">Names the message in error reports (a topic or a request; never a payload).</param>
internal sealed record InboundWork(Func<Task> Handle, Func<CancellationToken, Task> Acknowledge, string What);

/// <summary>
/// Hands received messages to a handler on its own loop instead of MQTTnet's receive loop: a handler that
/// publishes a QoS 1 reply there would wait for a PUBACK that the same loop has to read. A message is acknowledged
/// only after its handler has returned (or failed), so a message the gateway accepted is never lost on the way;
/// and nothing a handler does, throws or takes too long over ends the loop.
/// </summary>
internal sealed class InboundQueue
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(10);

    // Bounded and waiting when full: the broker's in-flight window already bounds QoS 1 traffic (each message waits
    // for its PUBACK here), so this only stops a flood of QoS 0 messages from growing memory.
    private readonly Channel<InboundWork> _queue = Channel.CreateBounded<InboundWork>(
        new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly Action<InboundWork, Exception> _failed;

    public InboundQueue(Action<InboundWork, Exception> failed) => _failed = failed;

    /// <summary>Called from the receive loop; waits (back-pressure) only when 1,000 messages are queued.</summary>
    public Task Enqueue(InboundWork work) => _queue.Writer.WriteAsync(work).AsTask();

    /// <summary>Handles messages until cancelled or completed.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (InboundWork work in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    await work.Handle();
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return; // not acknowledged: the broker delivers it again after the restart
                }
                catch (Exception ex)
                {
                    Report(work, ex);
                }

                try
                {
                    using var timeout = new CancellationTokenSource(AckTimeout);
                    await work.Acknowledge(timeout.Token);
                }
                catch (Exception)
                {
                    // The connection it came on is gone; the broker delivers it again on the next one.
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void Report(InboundWork work, Exception ex)
    {
        try
        {
            _failed(work, ex);
        }
        catch (Exception)
        {
            // Reporting must not be what ends the loop.
        }
    }

    /// <summary>No more messages.</summary>
    public void Complete() => _queue.Writer.TryComplete();
}
