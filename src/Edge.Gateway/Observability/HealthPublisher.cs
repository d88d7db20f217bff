using System.Text.Json.Nodes;
using Edge.Cloud.Mqtt;
using Edge.Cloud.Transport;

namespace Edge.Gateway.Observability;

/// <summary>
/// Sends the <see cref="HealthSummary"/> to the cloud (MQTT: inside the retained status; IoT Hub: the <c>health</c>
/// reported property): at once when a status changes, after every connect, and every <see cref="Every"/> otherwise.
/// Best effort beside everything else: a publish that fails is counted and tried again at the next check.
/// </summary>
public sealed class HealthPublisher : BackgroundService
{
    /// <summary>A summary is sent at least this often while connected, changed or not.</summary>
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(60);

    /// <summary>How often the checks are run to see whether anything changed.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait for the cloud to take one summary (the link's own step deadline is 10 s).</summary>
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(15);

    private readonly Func<CancellationToken, Task<JsonObject>> _read;
    private readonly ICloudTransport? _transport;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private string? _sent;
    private DateTimeOffset _sentAt;
    private volatile bool _connectedSinceSent;
    private long _published;
    private long _failed;

    /// <summary>Created by DI: no cloud mode, no transport, nothing to do.</summary>
    public HealthPublisher(HealthSummary summary, TimeProvider time, ICloudTransport? transport = null)
        : this((summary ?? throw new ArgumentNullException(nameof(summary))).ReadAsync, transport, time)
    {
    }

    internal HealthPublisher(Func<CancellationToken, Task<JsonObject>> read, ICloudTransport? transport, TimeProvider time)
    {
        _read = read;
        _transport = transport;
        _time = time;
    }

    /// <summary>Summaries the cloud took.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Summaries that could not be sent (tried again at the next check).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Listening before the loop runs (it runs on its own task): a connect in between is not missed.
        if (_transport is not null)
        {
            _transport.ConnectionChanged += OnConnection;
        }

        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_transport is not null)
        {
            _transport.ConnectionChanged -= OnConnection;
        }

        await base.StopAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_transport is null)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (await StepAsync(stoppingToken) is null)
                {
                    return; // this cloud keeps no device state
                }

                // The next check: after CheckEvery on the injected clock, or at once when the link comes back.
                using var cycle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                await Task.WhenAny(_wake.WaitAsync(cycle.Token), Task.Delay(CheckEvery, _time, cycle.Token));
                await cycle.CancelAsync();
                stoppingToken.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void OnConnection(bool up, string? reason)
    {
        if (!up)
        {
            return;
        }

        _connectedSinceSent = true;
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    /// <summary>
    /// One check: reads the summary and sends it when it changed, the link came back, or <see cref="Every"/> has passed.
    /// True when sent, false when not (nothing to send, not connected, or it failed), null when the cloud keeps no such state.
    /// </summary>
    internal async Task<bool?> StepAsync(CancellationToken cancellationToken)
    {
        if (_transport is not { IsConnected: true } transport)
        {
            return false;
        }

        JsonObject summary = await _read(cancellationToken);
        string signature = HealthSummary.Signature(summary);
        DateTimeOffset now = _time.GetUtcNow();
        if (signature == _sent && !_connectedSinceSent && now - _sentAt < Every)
        {
            return false;
        }

        _connectedSinceSent = false;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(PublishTimeout);
        try
        {
            if (!await transport.ReportHealthAsync(summary, deadline.Token))
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or CloudUnavailableException or InvalidOperationException or IOException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Interlocked.Increment(ref _failed);
            _connectedSinceSent = true; // not sent: the next check tries again
            return false;
        }

        _sent = signature;
        _sentAt = now;
        Interlocked.Increment(ref _published);
        return true;
    }
}
