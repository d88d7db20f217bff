using Edge.Cloud.Outbox;
using Edge.Cloud.Transport;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Cloud;

/// <summary>Runs the outbox writer, the transport, the pump, the shelf-event bridge and the event forwarders, keeps the screens' content retained, and routes what arrives.</summary>
public sealed class CloudSyncService(IOptions<CloudOptions> options, DurableOutbox outbox, ICloudTransport transport, OutboxPump pump, ShelfEventBridge bridge, BeaconEventForwarder beacons, OmnichannelForwarder omnichannel, SignageForwarder signage, OfferForwarder offers, TemperatureForwarder temperature, PickToLightForwarder picks, ScreenStatePublisher screens, CloudCommandRouter router, LiveSettings settings, ILogger<CloudSyncService> logger) : BackgroundService
{
    private readonly CloudOptions _options = options.Value;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        CloudLog.Starting(logger, _options.Mode, outbox.Stats.Pending);
        transport.ConnectionChanged += (up, reason) =>
        {
            if (up)
            {
                CloudLog.Connected(logger, _options.Mode);
            }
            else
            {
                CloudLog.Lost(logger, _options.Mode, reason?.TrimEnd('.'));
            }
        };
        transport.Inbound += router.HandleAsync;
        outbox.DeadLettered += (message, reason) =>
        {
            CloudLog.DeadLettered(logger, message.MessageId, message.Stream, message.Seq, reason);
            // An alert about an alert that was refused would only be refused again.
            if (message.Type != GatewayAlerts.DeadLetteredType)
            {
                try
                {
                    _ = outbox.EnqueueAsync(GatewayAlerts.DeadLettered(message, reason)).ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                }
                catch (InvalidOperationException)
                {
                    // The outbox is shut down: the gateway is stopping, and the dead letter itself is kept.
                }
            }
        };
        await settings.RestoreAsync();
        Task writer = outbox.RunAsync(stoppingToken);
        Task[] others = [transport.RunAsync(stoppingToken), pump.RunAsync(stoppingToken), bridge.RunAsync(stoppingToken), beacons.RunAsync(stoppingToken), omnichannel.RunAsync(stoppingToken), signage.RunAsync(stoppingToken), offers.RunAsync(stoppingToken), temperature.RunAsync(stoppingToken), picks.RunAsync(stoppingToken), screens.RunAsync(stoppingToken)];
        // The writer stops last so that its final commit takes everything the bridge enqueued.
        await Task.WhenAll(others);
        await writer;
    }
}

/// <summary>The cloud side for <c>/healthz</c>: unhealthy while the outbox cannot commit; a disconnected cloud is reported but not unhealthy (the outbox holds everything until it is back).</summary>
internal sealed class CloudHealthCheck(IOptions<CloudOptions> options, DurableOutbox outbox, ICloudTransport transport, OutboxPump pump, ShelfEventBridge bridge, BeaconEventForwarder beacons, OmnichannelForwarder omnichannel, SignageForwarder signage, OfferForwarder offers, TemperatureForwarder temperature, PickToLightForwarder picks, ScreenStatePublisher screens, CloudCommandRouter router, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        OutboxStats s = outbox.Stats;
        InboundStats inbound = transport.InboundStats;
        var data = new Dictionary<string, object>
        {
            ["cloud"] = new
            {
                mode = options.Value.Mode.ToString(),
                connected = transport.IsConnected,
                connectAttempts = transport.ConnectAttempts,
                lastError = transport.LastError,
                outbox = new
                {
                    epoch = outbox.Epoch,
                    pending = s.Pending,
                    pendingBytes = s.PendingBytes,
                    oldestAgeSeconds = outbox.OldestWaiting is { } oldest ? (long?)Math.Max(0, (long)(time.GetUtcNow() - oldest).TotalSeconds) : null,
                    inFlight = s.InFlight,
                    acked = s.Acked,
                    coalesced = s.Coalesced,
                    droppedAlert = s.DroppedOf(CloudClasses.Alert.Name),
                    droppedStock = s.DroppedOf(CloudClasses.Stock.Name),
                    droppedTelemetry = s.DroppedOf(CloudClasses.Telemetry.Name),
                    droppedOffer = s.DroppedOf(CloudClasses.Offer.Name),
                    droppedProofOfPlay = s.DroppedOf(CloudClasses.ProofOfPlay.Name),
                    expired = s.Expired,
                    refused = s.Refused,
                    deadLettered = s.DeadLettered,
                    error = outbox.LastError,
                },
                inbound = new { handled = inbound.Handled, oversized = inbound.Oversized, failed = inbound.Failed, rejected = router.Rejected, lastError = inbound.LastError },
                sent = pump.Sent,
                forwardedShelfSeq = bridge.Forwarded,
                acknowledgedShelfSeq = bridge.Acknowledged,
                bridgeError = bridge.LastError,
                outboxLoss = bridge.Loss,
                beaconEvents = new { dropped = beacons.Dropped, refused = beacons.Refused },
                omnichannelEvents = new { dropped = omnichannel.Dropped, refused = omnichannel.Refused },
                signageEvents = new { dropped = signage.Dropped, refused = signage.Refused, screenPublishesFailed = screens.Failed },
                offerEvents = new { dropped = offers.Dropped, refused = offers.Refused },
                temperatureEvents = new { dropped = temperature.Dropped, refused = temperature.Refused, retries = temperature.Retries, retryError = temperature.LastRetryError, heldAlerts = temperature.HeldAlerts, alertsLost = temperature.AlertsLost },
                pickEvents = new { dropped = picks.Dropped, refused = picks.Refused, retries = picks.Retries, retryError = picks.LastRetryError },
            },
        };
        return Task.FromResult(outbox.Healthy
            ? HealthCheckResult.Healthy(data: data)
            : HealthCheckResult.Unhealthy("the outbox cannot commit: " + outbox.LastError, data: data));
    }
}
