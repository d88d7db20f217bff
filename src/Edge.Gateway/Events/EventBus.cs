using System.Collections.Immutable;
using System.Threading.Channels;

namespace Edge.Gateway.Events;

/// <summary>What a subscriber's queue does when it is full. Publishing never waits, whatever the policy.</summary>
public enum FullPolicy
{
    /// <summary>
    /// Only "something new happened" is kept (one pending signal): for a subscriber that reads what happened from a
    /// durable source of its own, such as the cloud bridge reading the journal from its cursor, so nothing is lost.
    /// </summary>
    Signal,

    /// <summary>
    /// The oldest event is dropped (counted) and the subscriber is told to resync before its next event: for a user
    /// interface, which can reload the whole state, and for best-effort forwarding.
    /// </summary>
    DropOldestAndResync,
}

/// <summary>One thing a subscriber reads: an event, or a marker that events were dropped and it should reload the state.</summary>
/// <param name="Event">The event; default with <paramref name="Resync"/>.</param>
/// <param name="Resync">True when events were dropped since the last read.</param>
public readonly record struct Delivery<T>(T? Event, bool Resync);

/// <summary>What health reports of a subscription, whatever its event type.</summary>
internal interface ISubscriptionInfo
{
    string Name { get; }

    int Waiting { get; }

    long Dropped { get; }
}

/// <summary>A subscriber's own bounded queue on the <see cref="EventBus"/>.</summary>
public sealed class Subscription<T> : IDisposable, ISubscriptionInfo
{
    private readonly EventBus _bus;
    private readonly Channel<T> _queue;
    private readonly FullPolicy _policy;
    private int _resync;
    private long _dropped;

    internal Subscription(EventBus bus, string name, int capacity, FullPolicy policy)
    {
        _bus = bus;
        Name = name;
        _policy = policy;
        // Wait mode is never waited on: the publisher uses TryWrite and makes room itself, so it can count and mark.
        _queue = Channel.CreateBounded<T>(new BoundedChannelOptions(policy == FullPolicy.Signal ? 1 : capacity) { FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>Who subscribed (for health).</summary>
    public string Name { get; }

    /// <summary>Events dropped because this subscriber fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Events waiting.</summary>
    public int Waiting => _queue.Reader.Count;

    /// <summary>Waits for the next delivery.</summary>
    public async ValueTask<Delivery<T>> ReadAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _resync, 0) == 1)
        {
            return new Delivery<T>(default, true);
        }

        T e = await _queue.Reader.ReadAsync(cancellationToken);
        return new Delivery<T>(e, false);
    }

    /// <summary>The next delivery if one is waiting.</summary>
    public bool TryRead(out Delivery<T> delivery)
    {
        if (Interlocked.Exchange(ref _resync, 0) == 1)
        {
            delivery = new Delivery<T>(default, true);
            return true;
        }

        bool read = _queue.Reader.TryRead(out T? e);
        delivery = new Delivery<T>(e, false);
        return read;
    }

    /// <inheritdoc />
    public void Dispose() => _bus.Unsubscribe(this);

    internal void Offer(T e)
    {
        while (!_queue.Writer.TryWrite(e))
        {
            if (_policy == FullPolicy.Signal)
            {
                return; // a signal is already waiting: this one says nothing more
            }

            if (_queue.Reader.TryRead(out _))
            {
                Interlocked.Increment(ref _dropped);
                Volatile.Write(ref _resync, 1);
            }
        }
    }
}

/// <summary>
/// The in-process event backbone. A domain event is published once, after it is durable where it has a durable home
/// (shelf events after their journal commit, store data after it is stored), and reaches every subscriber of its type
/// through the subscriber's own bounded queue, so a slow or stuck subscriber can stall neither the publisher (the
/// journal thread, the BLE scanner) nor another subscriber.
/// </summary>
public sealed class EventBus
{
    private readonly Lock _lock = new();
    private ImmutableDictionary<Type, ImmutableArray<object>> _subscriptions = ImmutableDictionary<Type, ImmutableArray<object>>.Empty;

    /// <summary>Subscribes to events of exactly type <typeparamref name="T"/>.</summary>
    public Subscription<T> Subscribe<T>(string name, int capacity, FullPolicy policy)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var subscription = new Subscription<T>(this, name, capacity, policy);
        lock (_lock)
        {
            _subscriptions = _subscriptions.SetItem(typeof(T), _subscriptions.GetValueOrDefault(typeof(T), []).Add(subscription));
        }

        return subscription;
    }

    /// <summary>Hands <paramref name="e"/> to every subscriber of its type. Never blocks.</summary>
    public void Publish<T>(T e)
    {
        if (_subscriptions.TryGetValue(typeof(T), out ImmutableArray<object> subscribers))
        {
            foreach (object s in subscribers)
            {
                ((Subscription<T>)s).Offer(e);
            }
        }
    }

    /// <summary>Every subscription's name, waiting and dropped counts, for health.</summary>
    public IReadOnlyList<(string Name, int Waiting, long Dropped)> Subscribers() =>
        [.. _subscriptions.Values.SelectMany(a => a).Cast<ISubscriptionInfo>().Select(i => (i.Name, i.Waiting, i.Dropped))];

    internal void Unsubscribe<T>(Subscription<T> subscription)
    {
        lock (_lock)
        {
            if (_subscriptions.TryGetValue(typeof(T), out ImmutableArray<object> subscribers))
            {
                _subscriptions = _subscriptions.SetItem(typeof(T), subscribers.Remove(subscription));
            }
        }
    }
}
