using Edge.Cloud.Outbox;
using Edge.Gateway.Events;
using Edge.Gateway.Temperature;

namespace Edge.Gateway.Cloud;

/// <summary>Takes temperature alerts and day records into the outbox.</summary>
public sealed class TemperatureForwarder(EventBus bus, DurableOutbox outbox, TemperatureService? temperature = null, TimeProvider? time = null)
    : OutboxForwarder<TemperatureEvent>(bus, outbox, "cloud temperature forwarder", Capacity, TemperatureCloudMessages.Of, time)
{
    /// <summary>Events waiting for the outbox, at most.</summary>
    public const int Capacity = 1_000;

    /// <summary>Records were dropped or refused: today's and yesterday's are sent again (they supersede what is waiting).</summary>
    protected override void OnResync() => temperature?.RepublishDays();
}
