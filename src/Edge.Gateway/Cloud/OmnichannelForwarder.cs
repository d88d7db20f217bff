using Edge.Cloud.Outbox;
using Edge.Gateway.Events;
using Edge.Gateway.Omnichannel;

namespace Edge.Gateway.Cloud;

/// <summary>
/// Takes availability and clock events into the outbox. Availability is state: after dropped events every SKU is
/// published again, so the online shop never keeps a figure the store no longer has.
/// </summary>
public sealed class OmnichannelForwarder(EventBus bus, DurableOutbox outbox, AvailabilityPublisher publisher)
    : OutboxForwarder<OmnichannelEvent>(bus, outbox, "cloud omnichannel forwarder", Capacity, OmnichannelCloudMessages.Of)
{
    /// <summary>Events waiting for the outbox, at most.</summary>
    public const int Capacity = 10_000;

    /// <inheritdoc />
    protected override void OnResync() => publisher.Resync();
}
