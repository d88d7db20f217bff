using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Edge.Cloud.Outbox;
using Edge.Cloud.Transport;

namespace Edge.Gateway.Tests.Commands;

/// <summary>
/// A cloud that is always connected, accepts every message it is sent, keeps them and every report, and lets a test
/// deliver inbound messages and read the reply the gateway gives.
/// </summary>
internal sealed class AcceptsAndRecordsCloud : ICloudTransport
{
    private readonly ConcurrentQueue<OutboxMessage> _sent = new();
    private readonly ConcurrentQueue<JsonObject> _reports = new();
    private readonly ConcurrentQueue<(string Name, byte[] Payload)> _states = new();

    public bool IsConnected => true;

    public int ConnectAttempts => 1;

    public string? LastError => null;

    public InboundStats InboundStats => new(0, 0, 0, null);

    public IReadOnlyCollection<OutboxMessage> Sent => _sent;

    public IReadOnlyCollection<JsonObject> Reports => _reports;

    /// <summary>Retained state published, in order (a broker would keep only the last per name).</summary>
    public IReadOnlyCollection<(string Name, byte[] Payload)> States => _states;

    public event Action<bool, string?>? ConnectionChanged;

    public event Func<CloudInbound, Task>? Inbound;

    public Task WaitConnectedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        _sent.Enqueue(message);
        return Task.CompletedTask;
    }

    public Task ReportAsync(long desiredVersion, JsonObject reported, CancellationToken cancellationToken)
    {
        _reports.Enqueue(reported);
        return Task.CompletedTask;
    }

    public Task<bool> PublishStateAsync(string name, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        _states.Enqueue((name, payload.ToArray()));
        return Task.FromResult(true);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        ConnectionChanged?.Invoke(true, null);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Delivers a message as the cloud would and returns the gateway's reply (status, body), or null if it gave none.</summary>
    public async Task<(int Status, JsonElement Body)?> DeliverAsync(InboundKind kind, string name, string payload)
    {
        Func<CloudInbound, Task> handler = Inbound ?? throw new InvalidOperationException("nothing listens to the cloud yet");
        CloudReply? reply = null;
        await handler(new CloudInbound(kind, name, System.Text.Encoding.UTF8.GetBytes(payload), "corr-1", (r, _) =>
        {
            reply = r;
            return Task.CompletedTask;
        }));
        return reply is null ? null : (reply.Status, JsonDocument.Parse(reply.Body).RootElement.Clone());
    }
}
