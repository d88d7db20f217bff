using Edge.Cloud.Outbox;
using Edge.Gateway.Events;
using Edge.Gateway.Hosting;
using Edge.Gateway.PickToLight;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Cloud;

/// <summary>
/// Takes confirmed picks into the outbox as <c>ReservationPicked</c>. A pick must reach the cloud: after dropped
/// or refused events every line still stored as picked is reported again (same message id, so the cloud takes it once).
/// </summary>
public sealed class PickToLightForwarder : OutboxForwarder<ReservationPicked>
{
    /// <summary>Events waiting for the outbox, at most.</summary>
    public const int Capacity = 1000;

    private readonly EventBus _bus;
    private readonly PickedLines _picked;

    /// <summary>Subscribes at once, so no pick published after construction is missed.</summary>
    public PickToLightForwarder(EventBus bus, DurableOutbox outbox, PickedLines picked, IOptions<GatewayOptions> gateway, TimeProvider? time = null)
        : base(bus, outbox, "cloud pick-to-light forwarder", Capacity, e => PickToLightCloudMessages.Of(e, gateway.Value.Id), time)
    {
        _bus = bus;
        _picked = picked ?? throw new ArgumentNullException(nameof(picked));
    }

    /// <inheritdoc />
    protected override void OnResync()
    {
        foreach (PickedLine line in _picked.All)
        {
            _bus.Publish(new ReservationPicked(line));
        }
    }
}
