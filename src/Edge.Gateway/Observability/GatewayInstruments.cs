using System.Diagnostics.Metrics;
using Edge.Cloud.Mqtt;
using Edge.Cloud.Outbox;
using Edge.Cloud.Transport;
using Edge.Gateway.Beacons;
using Edge.Gateway.Shelves;
using Edge.Gateway.Signage;

namespace Edge.Gateway.Observability;

/// <summary>
/// The observable instruments: each reads, when a reader collects (a scrape, an OTLP export), a counter or a state the
/// area already keeps for <c>/healthz</c>, so the areas do no work of their own for metrics. Instruments of what no area
/// counted before (shelf events, commit latency, offers) live in their areas (<c>ShelfMetrics</c>, <c>OfferMetrics</c>).
/// </summary>
public sealed class GatewayInstruments
{
    private readonly TimeProvider _time;

    /// <summary>Creates the instruments on the gateway's meter; the cloud's only when a cloud mode is set.</summary>
    public GatewayInstruments(IMeterFactory meters, TimeProvider time, ShelfService shelves, BeaconService beacons, SignageHub signage, DurableOutbox? outbox = null, ICloudTransport? transport = null)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _time = time;
        Meter meter = meters.Create(ObservabilityRegistration.MeterName);

        meter.CreateObservableCounter("edge.hx711.frames", () => Frames(shelves), "{frame}",
            "HX711 frames per shelf since start: result=accepted, or rejected (timing, garbled, saturated); a high rejected rate means wiring or a GPIO driver too slow for the chip");
        meter.CreateObservableGauge("edge.shelves.faulted", () => shelves.Pipelines.Count(p => p.Status == SlotStatus.Faulted), "{shelf}", "Shelves whose load cell gives no usable readings");

        meter.CreateObservableCounter("edge.ble.reports", () => beacons.Reports, "{report}", "BLE advertising reports fed to the tracker since start (all receivers, or the replay)");

        meter.CreateObservableGauge("edge.signage.players", () => Players(signage), "{player}", "Players connected to each screen's event stream");
        meter.CreateObservableGauge("edge.signage.screens.connected", () => signage.Status().Count(s => s.ConnectedPlayers > 0), "{screen}", "Screens with at least one player connected");

        if (outbox is not null)
        {
            meter.CreateObservableGauge("edge.outbox.pending", () => outbox.Stats.Pending, "{message}", "Messages waiting in the outbox to be sent");
            meter.CreateObservableGauge("edge.outbox.pending.size", () => outbox.Stats.PendingBytes, "By", "Payload bytes waiting in the outbox");
            meter.CreateObservableGauge("edge.outbox.oldest.age", () => OldestAge(outbox), "s", "Age of the oldest waiting message (0 when none waits)");
            meter.CreateObservableCounter("edge.outbox.dropped", () => Dropped(outbox), "{message}",
                "Messages given up since start: reason=budget (over Cloud:Outbox:MaxBytes or MaxMessages, per class), expired (older than its TTL)");
            meter.CreateObservableCounter("edge.outbox.dead_letters", () => outbox.Stats.DeadLettered, "{message}", "Messages the cloud refused for good, kept aside in outbox.db");
            meter.CreateObservableCounter("edge.outbox.refused", () => outbox.Stats.Refused, "{message}", "Messages whose commit failed (a full disk)");
        }

        if (transport is not null)
        {
            MqttLink? link = (transport as LinkedTransport)?.Link;
            meter.CreateObservableGauge("edge.cloud.connected", () => transport.IsConnected ? 1 : 0, "{connection}", "1 while the cloud link is up");
            meter.CreateObservableCounter("edge.cloud.connect.attempts", () => transport.ConnectAttempts, "{attempt}", "Connection attempts since start, failed ones included");
            if (link is not null)
            {
                meter.CreateObservableCounter("edge.cloud.reconnects", () => Math.Max(0, link.Connections - 1), "{connection}", "Connections made after the first one (each one a drop or a token renewal)");
            }
        }
    }

    private static IEnumerable<Measurement<long>> Frames(ShelfService shelves)
    {
        foreach ((string shelf, long accepted, long rejected) in shelves.FramesByShelf())
        {
            yield return new Measurement<long>(accepted, new KeyValuePair<string, object?>("shelf", shelf), new KeyValuePair<string, object?>("result", "accepted"));
            yield return new Measurement<long>(rejected, new KeyValuePair<string, object?>("shelf", shelf), new KeyValuePair<string, object?>("result", "rejected"));
        }
    }

    private static IEnumerable<Measurement<int>> Players(SignageHub signage) =>
        signage.Status().Select(s => new Measurement<int>(s.ConnectedPlayers, new KeyValuePair<string, object?>("screen", s.Id)));

    private double OldestAge(DurableOutbox outbox) =>
        outbox.OldestWaiting is { } oldest ? Math.Max(0, (_time.GetUtcNow() - oldest).TotalSeconds) : 0;

    private static IEnumerable<Measurement<long>> Dropped(DurableOutbox outbox)
    {
        OutboxStats s = outbox.Stats;
        foreach ((string cls, long dropped) in s.Dropped)
        {
            yield return new Measurement<long>(dropped, new KeyValuePair<string, object?>("class", cls), new KeyValuePair<string, object?>("reason", "budget"));
        }

        yield return new Measurement<long>(s.Expired, new KeyValuePair<string, object?>("reason", "expired"));
    }
}
