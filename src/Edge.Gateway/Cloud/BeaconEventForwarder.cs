using Edge.Cloud.Outbox;
using Edge.Gateway.Beacons;
using Edge.Gateway.Events;

namespace Edge.Gateway.Cloud;

/// <summary>
/// Takes beacon events from the bus into the outbox. Its queue holds 10,000 events and drops the oldest when full,
/// counted: beacon events have no durable home of their own, the BLE scanner must never wait, and the outbox commits
/// within 100 ms, so a full queue means the disk is failing (and /healthz already says so).
/// </summary>
public sealed class BeaconEventForwarder(EventBus bus, DurableOutbox outbox)
    : OutboxForwarder<BeaconEvent>(bus, outbox, "cloud beacon forwarder", Capacity, BeaconCloudMessages.Of)
{
    /// <summary>Beacon events waiting for the outbox, at most.</summary>
    public const int Capacity = 10_000;
}
