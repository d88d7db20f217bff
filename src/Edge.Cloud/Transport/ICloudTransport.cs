using System.Text.Json.Nodes;
using Edge.Cloud.Outbox;

namespace Edge.Cloud.Transport;

/// <summary>A connection to the cloud: publishes outbox messages, delivers what the cloud sends.</summary>
public interface ICloudTransport
{
    /// <summary>True while messages can be sent.</summary>
    bool IsConnected { get; }

    /// <summary>Connection attempts so far (for health and the outage test).</summary>
    int ConnectAttempts { get; }

    /// <summary>Completes when connected.</summary>
    Task WaitConnectedAsync(CancellationToken cancellationToken);

    /// <summary>Sends one message; completes when the cloud accepted it. Throws <see cref="Mqtt.CloudUnavailableException"/> when it did not.</summary>
    Task SendAsync(OutboxMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes reported state (configuration actually applied) and the desired version it reflects, in the form
    /// the cloud expects (the version key differs: IoT Hub forbids <c>$</c> in reported names). Best effort: not
    /// through the outbox.
    /// </summary>
    Task ReportAsync(long desiredVersion, JsonObject reported, CancellationToken cancellationToken);

    /// <summary>Counters of inbound messages (handled, refused for size, failed).</summary>
    InboundStats InboundStats { get; }

    /// <summary>Why the connection last failed or dropped (no secrets), or null.</summary>
    string? LastError { get; }

    /// <summary>Raised on connect (true) and on each failure or drop (false, with the reason).</summary>
    event Action<bool, string?>? ConnectionChanged;

    /// <summary>Everything that arrives from the cloud.</summary>
    event Func<CloudInbound, Task>? Inbound;

    /// <summary>Runs the connection until cancelled.</summary>
    Task RunAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Publishes the latest state of something the gateway shows (<paramref name="name"/>, one or more topic levels),
    /// kept by the broker for whoever subscribes later. Best effort, not through the outbox: the next state replaces it.
    /// Returns false when the cloud keeps no such state (IoT Hub has no retained messages).
    /// </summary>
    Task<bool> PublishStateAsync(string name, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => Task.FromResult(false);

    /// <summary>
    /// Publishes the gateway's health summary (an object of the gateway's making; the transport does not read it) where
    /// the cloud keeps the device's own state: on a broker inside the retained status, on IoT Hub as the <c>health</c>
    /// reported property. Best effort, not through the outbox: the next summary replaces it. Returns false when the
    /// cloud keeps no such state.
    /// </summary>
    Task<bool> ReportHealthAsync(JsonObject health, CancellationToken cancellationToken) => Task.FromResult(false);
}

/// <summary>
/// The cloud will never accept this message as it is (too large for it, a payload or topic it rejects): sending it
/// again cannot help, so the outbox sets it aside instead of retrying it at the head of its stream for ever.
/// </summary>
public sealed class PermanentlyRefusedException(string message) : Exception(message);
