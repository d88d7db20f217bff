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

    /// <summary>Refused alerts kept to be sent again, at most: a case alerts a few times a day, so more is a disk full for days.</summary>
    public const int MaxHeldAlerts = 100;

    private readonly EventBus _bus = bus;
    private readonly Lock _gate = new();
    private readonly Queue<CaseAlertRaised> _heldAlerts = new();
    private long _alertsLost;

    /// <summary>Refused alerts waiting to be sent again.</summary>
    public int HeldAlerts
    {
        get
        {
            lock (_gate)
            {
                return _heldAlerts.Count;
            }
        }
    }

    /// <summary>Refused alerts given up because <see cref="MaxHeldAlerts"/> newer ones were held.</summary>
    public long AlertsLost => Interlocked.Read(ref _alertsLost);

    /// <summary>
    /// An alert lives nowhere but in its message (the readings say the case is out of range, not that it was alerted), so
    /// a refused one is kept, oldest first, to be published again at the resync.
    /// </summary>
    protected override void OnRefused(TemperatureEvent refused)
    {
        if (refused is not CaseAlertRaised alert)
        {
            return;
        }

        lock (_gate)
        {
            if (_heldAlerts.Count == MaxHeldAlerts)
            {
                _heldAlerts.Dequeue();
                Interlocked.Increment(ref _alertsLost);
            }

            _heldAlerts.Enqueue(alert);
        }
    }

    /// <summary>
    /// Records were dropped or refused: refused alerts are published again in the order they were raised, then today's
    /// and yesterday's records (they supersede what is waiting). One the outbox refuses again is held again.
    /// </summary>
    protected override void OnResync()
    {
        CaseAlertRaised[] alerts;
        lock (_gate)
        {
            // In the order raised: refusals of one commit come back in no particular order.
            alerts = [.. _heldAlerts.OrderBy(a => a.Alert.At)];
            _heldAlerts.Clear();
        }

        foreach (CaseAlertRaised alert in alerts)
        {
            _bus.Publish<TemperatureEvent>(alert);
        }

        temperature?.RepublishDays();
    }
}
