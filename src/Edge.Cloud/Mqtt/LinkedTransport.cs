using Edge.Cloud.Outbox;
using Edge.Cloud.Transport;
using MQTTnet;

namespace Edge.Cloud.Mqtt;

/// <summary>
/// What every MQTT-based transport shares: one <see cref="MqttLink"/> owning the connection, inbound messages handled
/// off MQTTnet's receive loop, and the connection state the pump and health read.
/// </summary>
public abstract class LinkedTransport : ICloudTransport, IAsyncDisposable
{
    private readonly InboundQueue _inbound;

    /// <summary>Creates the link; it calls the subclass's <see cref="PlanAsync"/> and <see cref="OnConnectedAsync"/> only once running.</summary>
    protected LinkedTransport(Backoff? backoff, TimeProvider? time)
    {
        Link = new MqttLink(PlanAsync, OnConnectedAsync, backoff ?? new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2)), time, OnClosingAsync);
        _inbound = new InboundQueue(HandleAsync);
        Link.MessageReceived += _inbound.Enqueue;
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

    /// <summary>The underlying link (connection counters, backoff delays, errors).</summary>
    public MqttLink Link { get; }

    /// <inheritdoc />
    public bool IsConnected => Link.IsConnected;

    /// <inheritdoc />
    public int ConnectAttempts => Link.ConnectAttempts;

    /// <inheritdoc />
    public string? LastError => Link.LastError;

    /// <inheritdoc />
    public Task WaitConnectedAsync(CancellationToken cancellationToken) => Link.WaitConnectedAsync(cancellationToken);

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Task dispatch = _inbound.RunAsync(cancellationToken);
        await Link.RunAsync(cancellationToken);
        _inbound.Complete();
        await dispatch;
    }

    /// <inheritdoc />
    public abstract Task SendAsync(OutboxMessage message, CancellationToken cancellationToken);

    /// <inheritdoc />
    public abstract Task ReportAsync(byte[] reportedJson, CancellationToken cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return Link.DisposeAsync();
    }

    /// <summary>Builds the options for one connection attempt (fresh credentials each time).</summary>
    protected abstract Task<MqttConnectPlan> PlanAsync(CancellationToken cancellationToken);

    /// <summary>Runs after every connect: subscriptions, birth message, twin read.</summary>
    protected abstract Task OnConnectedAsync(IMqttClient client, CancellationToken cancellationToken);

    /// <summary>Runs once before a deliberate disconnect at shutdown.</summary>
    protected virtual Task OnClosingAsync(IMqttClient client, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Classifies one received message and raises <see cref="Inbound"/> (or answers it internally).</summary>
    protected abstract Task HandleAsync(MqttApplicationMessage message);

    /// <summary>Hook for a dropped or refused connection, before <see cref="ConnectionChanged"/> is raised.</summary>
    protected virtual void OnConnectionLost(string reason)
    {
    }

    /// <summary>Raises <see cref="Inbound"/>; false when nobody listens.</summary>
    protected async Task<bool> RaiseInboundAsync(CloudInbound message)
    {
        if (Inbound is not { } handler)
        {
            return false;
        }

        await handler(message);
        return true;
    }
}
