using Edge.Cloud.Outbox;
using Edge.Gateway.Events;
using Edge.Gateway.Temperature;

namespace Edge.Gateway.Cloud;

/// <summary>Takes temperature alerts and day records into the outbox (a dropped record is superseded by the next one of its day).</summary>
public sealed class TemperatureForwarder(EventBus bus, DurableOutbox outbox)
    : OutboxForwarder<TemperatureEvent>(bus, outbox, "cloud temperature forwarder", Capacity, TemperatureCloudMessages.Of)
{
    /// <summary>Events waiting for the outbox, at most.</summary>
    public const int Capacity = 1_000;
}
