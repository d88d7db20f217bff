using Edge.Cloud.Outbox;
using Edge.Gateway.Events;

namespace Edge.Gateway.Cloud;

/// <summary>
/// Takes one type of event from the bus into the outbox, mapped by its area's cloud messages. Its queue drops the
/// oldest when full, counted (the publisher must never wait); <see cref="OnResync"/> says what to do after a drop.
/// </summary>
public abstract class OutboxForwarder<T> : IDisposable
{
    private readonly Subscription<T> _events;
    private readonly DurableOutbox _outbox;
    private readonly Func<T, OutboxEntry> _map;
    private long _refused;

    /// <summary>Subscribes at once, so no event published after construction is missed.</summary>
    protected OutboxForwarder(EventBus bus, DurableOutbox outbox, string name, int capacity, Func<T, OutboxEntry> map)
    {
        ArgumentNullException.ThrowIfNull(bus);
        _events = bus.Subscribe<T>(name, capacity, FullPolicy.DropOldestAndResync);
        _outbox = outbox ?? throw new ArgumentNullException(nameof(outbox));
        _map = map ?? throw new ArgumentNullException(nameof(map));
    }

    /// <summary>Events dropped before they reached the outbox (the queue was full).</summary>
    public long Dropped => _events.Dropped;

    /// <summary>Events the outbox could not take (its commit failed).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Forwards until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                Delivery<T> next = await _events.ReadAsync(cancellationToken);
                if (next.Resync)
                {
                    OnResync();
                }

                if (next.Event is { } e)
                {
                    // Not awaited one by one: the outbox groups what is queued into one commit.
                    _ = ForwardAsync(e);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Events were dropped: the default has nothing to reload (they are counted).</summary>
    protected virtual void OnResync()
    {
    }

    /// <summary>Unsubscribes.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _events.Dispose();
        }
    }

    private async Task ForwardAsync(T e)
    {
        try
        {
            await _outbox.EnqueueAsync(_map(e));
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException or InvalidOperationException or UnauthorizedAccessException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _refused);
        }
    }
}
