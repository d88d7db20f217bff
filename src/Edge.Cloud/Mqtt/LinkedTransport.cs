using System.Text.Json;
using System.Text.Json.Nodes;
using Edge.Cloud.Outbox;
using Edge.Cloud.Transport;
using MQTTnet;

namespace Edge.Cloud.Mqtt;

/// <summary>
/// What every MQTT-based transport shares: one <see cref="MqttLink"/> owning the connection, inbound messages handled
/// off MQTTnet's receive loop and acknowledged once handled, size limits per kind, and the connection state the pump
/// and health read.
/// </summary>
public abstract class LinkedTransport : ICloudTransport, IAsyncDisposable
{
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);
    private readonly InboundQueue _inbound;
    private long _handled;
    private long _oversized;
    private long _failed;
    private string? _lastInboundError;

    /// <summary>Creates the link; it calls the subclass's <see cref="PlanAsync"/> and <see cref="OnConnectedAsync"/> only once running.</summary>
    protected LinkedTransport(Backoff? backoff, TimeProvider? time, InboundLimits? limits = null)
    {
        Limits = limits ?? new InboundLimits();
        Link = new MqttLink(PlanAsync, OnConnectedAsync, backoff ?? new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2)), time, OnClosingAsync);
        _inbound = new InboundQueue(OnHandlerFailed);
        Link.MessageReceived += e =>
        {
            // Answers to the transport's own requests complete here, never behind a handler that may be waiting
            // for exactly that answer.
            if (TryHandleInline(e.ApplicationMessage))
            {
                return Task.CompletedTask;
            }

            e.AutoAcknowledge = false;
            return _inbound.Enqueue(new InboundWork(() => HandleAsync(e.ApplicationMessage), e.AcknowledgeAsync, e.ApplicationMessage.Topic));
        };
        Link.Connected += () => ConnectionChanged?.Invoke(true, null);
        Link.ConnectionLost += reason =>
        {
            OnConnectionLost(reason);
            ConnectionChanged?.Invoke(false, reason);
        };
    }

    /// <inheritdoc />
    public event Func<CloudInbound, Task>? Inbound;

    /// <inheritdoc />
    public event Action<bool, string?>? ConnectionChanged;

    /// <summary>Raised when handling an inbound message threw (the queue goes on with the next one).</summary>
    public event Action<string, Exception>? InboundFailed;

    /// <summary>The underlying link (connection counters, backoff delays, errors).</summary>
    public MqttLink Link { get; }

    /// <summary>Size limits applied to inbound messages.</summary>
    public InboundLimits Limits { get; }

    /// <inheritdoc />
    public bool IsConnected => Link.IsConnected;

    /// <inheritdoc />
    public int ConnectAttempts => Link.ConnectAttempts;

    /// <inheritdoc />
    public string? LastError => Link.LastError;

    /// <inheritdoc />
    public InboundStats InboundStats => new(Interlocked.Read(ref _handled), Interlocked.Read(ref _oversized), Interlocked.Read(ref _failed), _lastInboundError);

    /// <inheritdoc />
    public Task WaitConnectedAsync(CancellationToken cancellationToken) => Link.WaitConnectedAsync(cancellationToken);

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Stopping = cancellationToken;
        Task dispatch = _inbound.RunAsync(cancellationToken);
        await Link.RunAsync(cancellationToken);
        _inbound.Complete();
        try
        {
            // A handler still busy at shutdown is left behind: its message was not acknowledged, so the broker
            // delivers it again after the restart.
            await dispatch.WaitAsync(ShutdownGrace, CancellationToken.None);
        }
        catch (TimeoutException)
        {
        }
    }

    /// <inheritdoc />
    public abstract Task SendAsync(OutboxMessage message, CancellationToken cancellationToken);

    /// <inheritdoc />
    public abstract Task ReportAsync(long desiredVersion, JsonObject reported, CancellationToken cancellationToken);

    /// <inheritdoc />
    public virtual Task<bool> PublishStateAsync(string name, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => Task.FromResult(false);

    /// <inheritdoc />
    public virtual Task<bool> ReportHealthAsync(JsonObject health, CancellationToken cancellationToken) => Task.FromResult(false);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return Link.DisposeAsync();
    }

    /// <summary>Cancelled when the transport stops: for work a step starts that outlives the step (its token has a deadline).</summary>
    protected CancellationToken Stopping { get; private set; }

    /// <summary>Builds the options for one connection attempt (fresh credentials each time).</summary>
    protected abstract Task<MqttConnectPlan> PlanAsync(CancellationToken cancellationToken);

    /// <summary>Runs after every connect: subscriptions, birth message, twin read.</summary>
    protected abstract Task OnConnectedAsync(IMqttClient client, CancellationToken cancellationToken);

    /// <summary>Runs once before a deliberate disconnect at shutdown.</summary>
    protected virtual Task OnClosingAsync(IMqttClient client, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Classifies one received message and raises <see cref="Inbound"/> (or answers it internally). Runs on the inbound loop.</summary>
    protected abstract Task HandleAsync(MqttApplicationMessage message);

    /// <summary>
    /// Handles on MQTTnet's receive loop what must not wait in the inbound queue (responses to the transport's own
    /// requests); returns false for everything else. Must not block.
    /// </summary>
    protected virtual bool TryHandleInline(MqttApplicationMessage message) => false;

    /// <summary>Hook for a dropped or refused connection, before <see cref="ConnectionChanged"/> is raised.</summary>
    protected virtual void OnConnectionLost(string reason)
    {
    }

    /// <summary>Queues work of the transport's own (for example a twin read) on the inbound loop, so the gateway sees one message at a time.</summary>
    protected Task EnqueueInboundAsync(CloudInbound message) =>
        _inbound.Enqueue(new InboundWork(() => RaiseInboundAsync(message), _ => Task.CompletedTask, message.Kind + " " + message.Name));

    /// <summary>
    /// True when a payload of <paramref name="length"/> bytes is within the limit of its kind. When it is not, the
    /// message is counted and refused with 413 through <paramref name="reply"/> (if it has one), before any copy.
    /// </summary>
    protected async Task<bool> AdmitAsync(InboundKind kind, string name, long length, Func<CloudReply, CancellationToken, Task>? reply)
    {
        int limit = Limits.Of(kind);
        if (length <= limit)
        {
            return true;
        }

        Interlocked.Increment(ref _oversized);
        string error = $"{kind} '{name}' of {length} bytes exceeds the limit of {limit} bytes";
        _lastInboundError = error;
        if (reply is not null)
        {
            await reply(new CloudReply(413, JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["error"] = error })), CancellationToken.None);
        }

        return false;
    }

    /// <summary>Raises <see cref="Inbound"/>; false when nobody listens.</summary>
    protected async Task<bool> RaiseInboundAsync(CloudInbound message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Inbound is not { } handler)
        {
            return false;
        }

        Interlocked.Increment(ref _handled);
        await handler(message);
        return true;
    }

    private void OnHandlerFailed(InboundWork work, Exception ex)
    {
        Interlocked.Increment(ref _failed);
        _lastInboundError = $"handling {work.What} failed: {ex.GetType().Name}: {ex.Message}";
        InboundFailed?.Invoke(work.What, ex);
    }
}
