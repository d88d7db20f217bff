using Edge.Cloud.Outbox;
using Edge.Gateway.Events;

namespace Edge.Gateway.Cloud;

/// <summary>
/// Takes one type of event from the bus into the outbox, mapped by its area's cloud messages. Its queue drops the
/// oldest when full, counted (the publisher must never wait); <see cref="OnResync"/> says what to do after a drop, and
/// after the outbox refused an event (a full disk), once <see cref="RetryInterval"/> has passed, and again after each
/// interval while it keeps refusing.
/// </summary>
public abstract class OutboxForwarder<T> : IDisposable
{
    private readonly Subscription<T> _events;
    private readonly DurableOutbox _outbox;
    private readonly Func<T, OutboxEntry> _map;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private ITimer? _retry;
    private bool _disposed;
    private long _refused;
    private long _retries;

    /// <summary>Subscribes at once, so no event published after construction is missed.</summary>
    protected OutboxForwarder(EventBus bus, DurableOutbox outbox, string name, int capacity, Func<T, OutboxEntry> map, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        _events = bus.Subscribe<T>(name, capacity, FullPolicy.DropOldestAndResync);
        _outbox = outbox ?? throw new ArgumentNullException(nameof(outbox));
        _map = map ?? throw new ArgumentNullException(nameof(map));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Events dropped before they reached the outbox (the queue was full).</summary>
    public long Dropped => _events.Dropped;

    /// <summary>Events the outbox could not take (its commit failed).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Resyncs run because the outbox had refused events.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>What the last resync after a refusal threw, or null.</summary>
    public string? LastRetryError { get; private set; }

    /// <summary>How long after a refusal the forwarder resyncs (the outbox retries its own commits meanwhile).</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(30);

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

                if (next.Event is { } e && !Hold(e))
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

    /// <summary>
    /// Events were dropped or refused: the default has nothing to reload (they are counted). An override republishes
    /// what its durable home still holds; it may run on a timer thread beside the forwarding loop.
    /// </summary>
    protected virtual void OnResync()
    {
    }

    /// <summary>
    /// Whether to keep <paramref name="e"/> back instead of queueing it now (behind refused events an override holds, so
    /// it is not sent ahead of them); the override then queues it with <see cref="Forward"/>. On the forwarding loop.
    /// </summary>
    protected virtual bool Hold(T e) => false;

    /// <summary>Queues <paramref name="e"/> in the outbox now, not awaited; a refusal comes back through <see cref="OnRefused"/>.</summary>
    protected void Forward(T e) => _ = ForwardAsync(e);

    /// <summary>
    /// The outbox refused <paramref name="refused"/>; a resync follows after <see cref="RetryInterval"/>. An override keeps
    /// what no durable home holds, to publish it again then. Called on the thread that forwarded it.
    /// </summary>
    protected virtual void OnRefused(T refused)
    {
    }

    /// <summary>Unsubscribes and stops a pending retry.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                _disposed = true;
                _retry?.Dispose();
                _retry = null;
            }

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
            OnRefused(e);
            ScheduleRetry();
        }
    }

    // One retry at a time: every refusal in a burst (a full disk refuses a whole commit) is covered by the same resync.
    private void ScheduleRetry()
    {
        lock (_gate)
        {
            if (_disposed || _retry is not null)
            {
                return;
            }

            _retry = _time.CreateTimer(_ => Retry(), null, RetryInterval, Timeout.InfiniteTimeSpan);
        }
    }

    private void Retry()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _retry?.Dispose();
            _retry = null;
        }

        Interlocked.Increment(ref _retries);
        try
        {
            OnResync();
        }
        catch (Exception ex)
        {
            // On a timer thread an exception would end the process: keep it, and try again after the interval.
            LastRetryError = ex.Message;
            ScheduleRetry();
        }
    }
}
