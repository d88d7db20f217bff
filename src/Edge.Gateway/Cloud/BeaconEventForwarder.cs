using Edge.Cloud.Outbox;
using Edge.Gateway.Beacons;
using Edge.Gateway.Events;

namespace Edge.Gateway.Cloud;

/// <summary>
/// Takes beacon events from the bus into the outbox. Its queue holds 10,000 events and drops the oldest when full,
/// counted: beacon events have no durable home of their own, the BLE scanner must never wait, and the outbox commits
/// within 100 ms, so a full queue means the disk is failing (and /healthz already says so).
/// </summary>
public sealed class BeaconEventForwarder : IDisposable
{
    /// <summary>Beacon events waiting for the outbox, at most.</summary>
    public const int Capacity = 10_000;

    private readonly Subscription<BeaconEvent> _events;
    private readonly DurableOutbox _outbox;
    private long _refused;

    /// <summary>Subscribes at once, so no event published after construction is missed.</summary>
    public BeaconEventForwarder(EventBus bus, DurableOutbox outbox)
    {
        ArgumentNullException.ThrowIfNull(bus);
        _events = bus.Subscribe<BeaconEvent>("cloud beacon forwarder", Capacity, FullPolicy.DropOldestAndResync);
        _outbox = outbox;
    }

    /// <summary>Beacon events dropped before they reached the outbox (its queue was full).</summary>
    public long Dropped => _events.Dropped;

    /// <summary>Beacon events the outbox could not take (its commit failed).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Forwards until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                Delivery<BeaconEvent> next = await _events.ReadAsync(cancellationToken);
                if (next.Event is not { } e)
                {
                    continue; // a resync marker: dropped events are counted, and there is no state to reload
                }

                // Not awaited one by one: the outbox groups what is queued into one commit.
                _ = ForwardAsync(e);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <inheritdoc />
    public void Dispose() => _events.Dispose();

    private async Task ForwardAsync(BeaconEvent e)
    {
        try
        {
            await _outbox.EnqueueAsync(BeaconCloudMessages.Of(e));
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException or InvalidOperationException or UnauthorizedAccessException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _refused);
        }
    }
}
