using Edge.Cloud.Outbox;
using Edge.Cloud.Transport;

namespace Edge.Gateway.Cloud;

/// <summary>Runs the outbox writer, the transport, the pump and the shelf-event bridge, and routes what arrives.</summary>
public sealed class CloudSyncService : BackgroundService
{
    private readonly CloudOptions _options;
    private readonly DurableOutbox _outbox;
    private readonly ICloudTransport _transport;
    private readonly OutboxPump _pump;
    private readonly ShelfEventBridge _bridge;
    private readonly CloudCommandRouter _router;
    private readonly ILogger<CloudSyncService> _logger;

    /// <summary>Created by DI.</summary>
    public CloudSyncService(CloudOptions options, DurableOutbox outbox, ICloudTransport transport, OutboxPump pump, ShelfEventBridge bridge, CloudCommandRouter router, ILogger<CloudSyncService> logger)
    {
        _options = options;
        _outbox = outbox;
        _transport = transport;
        _pump = pump;
        _bridge = bridge;
        _router = router;
        _logger = logger;
    }

    /// <summary>False while the outbox cannot commit (a full disk): messages cannot be accepted for the cloud.</summary>
    public bool Healthy => _outbox.Healthy;

    /// <summary>For <c>/healthz</c>.</summary>
    public object Health()
    {
        OutboxStats s = _outbox.Stats;
        InboundStats inbound = _transport.InboundStats;
        return new
        {
            mode = _options.Mode.ToString(),
            connected = _transport.IsConnected,
            connectAttempts = _transport.ConnectAttempts,
            lastError = _transport.LastError,
            outbox = new
            {
                epoch = _outbox.Epoch,
                pending = s.Pending,
                pendingBytes = s.PendingBytes,
                inFlight = s.InFlight,
                acked = s.Acked,
                coalesced = s.Coalesced,
                droppedAlert = s.DroppedAlert,
                droppedStock = s.DroppedStock,
                droppedTelemetry = s.DroppedTelemetry,
                expired = s.Expired,
                refused = s.Refused,
                error = _outbox.LastError,
            },
            inbound = new { handled = inbound.Handled, oversized = inbound.Oversized, failed = inbound.Failed, rejected = _router.Rejected, lastError = inbound.LastError },
            sent = _pump.Sent,
            forwardedShelfSeq = _bridge.Forwarded,
            acknowledgedShelfSeq = _bridge.Acknowledged,
            bridgeError = _bridge.LastError,
            outboxLoss = _bridge.Loss,
        };
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        CloudLog.Starting(_logger, _options.Mode, _outbox.Stats.Pending);
        _transport.ConnectionChanged += (up, reason) =>
        {
            if (up)
            {
                CloudLog.Connected(_logger, _options.Mode);
            }
            else
            {
                CloudLog.Lost(_logger, _options.Mode, reason?.TrimEnd('.'));
            }
        };
        _transport.Inbound += _router.HandleAsync;
        await _router.RestoreDesiredAsync();
        Task writer = _outbox.RunAsync(stoppingToken);
        Task[] others = [_transport.RunAsync(stoppingToken), _pump.RunAsync(stoppingToken), _bridge.RunAsync(stoppingToken)];
        // The writer stops last so that its final commit takes everything the bridge enqueued.
        await Task.WhenAll(others);
        await writer;
    }
}
