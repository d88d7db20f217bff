using System.Threading.Channels;
using Edge.Cloud.Outbox;
using Edge.Cloud.Transport;
using Edge.Gateway.Events;
using Edge.Gateway.Signage;

namespace Edge.Gateway.Cloud;

/// <summary>Takes app offers into the outbox, on their own stream with their short time to live.</summary>
public sealed class OfferForwarder(EventBus bus, DurableOutbox outbox)
    : OutboxForwarder<Offers.OfferTriggered>(bus, outbox, "cloud offer forwarder", 10_000, Offers.OfferCloudMessages.Of);

/// <summary>Takes screens' offline and online alerts into the outbox.</summary>
public sealed class SignageForwarder(EventBus bus, DurableOutbox outbox)
    : OutboxForwarder<ScreenPresenceChanged>(bus, outbox, "cloud signage forwarder", 1000, SignageCloudMessages.Of);

/// <summary>
/// Keeps each screen's content retained on the broker (<c>retail/{store}/{gateway}/screens/{screenId}</c>): published
/// when it changes and, for what changed while the link was down, when the link is back. Best effort, not through the
/// outbox: only the newest content matters.
/// </summary>
public sealed class ScreenStatePublisher(EventBus bus, SignageHub hub, ICloudTransport transport)
{
    /// <summary>Longest wait for the broker to take one screen's content.</summary>
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, long> _published = new(StringComparer.Ordinal);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _failed;

    /// <summary>Publishes that failed (retried at the next change or connect).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Publishes until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using Subscription<ScreenContentChanged> changes = bus.Subscribe<ScreenContentChanged>("cloud screen publisher", 1, FullPolicy.Signal);
        transport.ConnectionChanged += OnConnection;
        Task relay = RelayAsync(changes, cancellationToken);
        try
        {
            _wake.Writer.TryWrite(true);
            while (await _wake.Reader.WaitToReadAsync(cancellationToken))
            {
                _wake.Reader.TryRead(out _);
                if (transport.IsConnected && !await PublishChangedAsync(cancellationToken))
                {
                    return; // this cloud keeps no retained state
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            transport.ConnectionChanged -= OnConnection;
            await relay;
        }
    }

    private void OnConnection(bool up, string? reason)
    {
        if (up)
        {
            _wake.Writer.TryWrite(true);
        }
    }

    private async Task RelayAsync(Subscription<ScreenContentChanged> changes, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await changes.ReadAsync(cancellationToken);
                _wake.Writer.TryWrite(true);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> PublishChangedAsync(CancellationToken cancellationToken)
    {
        foreach (ScreenOptions screen in hub.Screens)
        {
            if (hub.Current(screen.Id) is not { } payload || _published.GetValueOrDefault(screen.Id) == payload.Version)
            {
                continue;
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(PublishTimeout);
            try
            {
                if (!await transport.PublishStateAsync(SignageCloudMessages.StateName(screen.Id), payload.Json, deadline.Token))
                {
                    return false;
                }

                _published[screen.Id] = payload.Version;
            }
            catch (Exception ex) when (ex is OperationCanceledException or Edge.Cloud.Mqtt.CloudUnavailableException or InvalidOperationException or IOException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Interlocked.Increment(ref _failed);
                return true; // the next change or connect tries again
            }
        }

        return true;
    }
}
