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

    private readonly Lock _gate = new();
    private readonly List<CaseAlertRaised> _held = []; // in the order raised
    private bool _flushing;
    private long _alertsLost;

    /// <summary>Alerts held back: refused, or raised after a refused one and waiting behind it.</summary>
    public int HeldAlerts
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>Held alerts given up, the earliest raised first, because <see cref="MaxHeldAlerts"/> later ones were held.</summary>
    public long AlertsLost => Interlocked.Read(ref _alertsLost);

    /// <summary>An alert raised while others are held waits behind them: the cloud must not hear a recovery before its alarm.</summary>
    protected override bool Hold(TemperatureEvent e)
    {
        if (e is not CaseAlertRaised alert)
        {
            return false;
        }

        lock (_gate)
        {
            if (_held.Count == 0 && !_flushing)
            {
                return false;
            }

            Keep(alert);
            return true;
        }
    }

    /// <summary>
    /// An alert lives nowhere but in its message (the readings say the case is out of range, not that it was alerted), so
    /// a refused one is held, to be queued again at the resync.
    /// </summary>
    protected override void OnRefused(TemperatureEvent refused)
    {
        if (refused is CaseAlertRaised alert)
        {
            lock (_gate)
            {
                Keep(alert);
            }
        }
    }

    /// <summary>
    /// Records were dropped or refused: the held alerts are queued again in the order raised, straight into the outbox
    /// (not onto the bus, where the dashboard would show them again), then today's and yesterday's records (they
    /// supersede what is waiting). One the outbox refuses again is held again.
    /// </summary>
    protected override void OnResync()
    {
        while (true)
        {
            CaseAlertRaised[] alerts;
            lock (_gate)
            {
                if (_held.Count == 0)
                {
                    _flushing = false;
                    break;
                }

                // Alerts raised while these are being queued are held, and queued after them in the next pass.
                _flushing = true;
                alerts = [.. _held];
                _held.Clear();
            }

            foreach (CaseAlertRaised alert in alerts)
            {
                Forward(alert);
            }
        }

        temperature?.RepublishDays();
    }

    // Under _gate. Refusals of one commit come back in no particular order: each goes to its place by time raised.
    private void Keep(CaseAlertRaised alert)
    {
        int at = _held.Count;
        while (at > 0 && _held[at - 1].Alert.At > alert.Alert.At)
        {
            at--;
        }

        _held.Insert(at, alert);
        if (_held.Count > MaxHeldAlerts)
        {
            _held.RemoveAt(0);
            Interlocked.Increment(ref _alertsLost);
        }
    }
}
