using MQTTnet;
using MQTTnet.Protocol;

namespace Edge.Cloud.Mqtt;

/// <summary>One connection attempt's settings, built fresh for each attempt (so a SAS token can be renewed).</summary>
/// <param name="Options">MQTTnet client options. <see cref="MqttClientOptions.Timeout"/> is the deadline of every network step.</param>
/// <param name="RenewBefore">When set, the link closes and reconnects before this time (credential expiry).</param>
public sealed record MqttConnectPlan(MqttClientOptions Options, DateTimeOffset? RenewBefore = null);

/// <summary>Why a publish did not reach the broker.</summary>
public sealed class CloudUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Owns one MQTT connection: a single supervising loop connects, runs the on-connect steps (birth message,
/// subscriptions), waits for the connection to drop, and reconnects with full-jitter backoff. Event handlers
/// never reconnect. MQTTnet 5 has no managed client, so this is that client.
/// </summary>
/// <remarks>
/// Every network step has a deadline of the plan's <see cref="MqttClientOptions.Timeout"/>: TCP, TLS and CONNACK
/// together, the on-connect steps (SUBACK, the birth message's PUBACK), and each publish's PUBACK. MQTTnet applies
/// its own timeout only when it is given a token that cannot be cancelled, so a broker that accepts TCP and never
/// answers would otherwise hold the link for ever. A publish that misses its deadline means the broker stopped
/// answering: the link drops the connection and reconnects through the backoff ladder.
/// </remarks>
public sealed partial class MqttLink : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly Func<CancellationToken, Task<MqttConnectPlan>> _plan;
    private readonly Func<IMqttClient, CancellationToken, Task> _onConnected;
    private readonly Func<IMqttClient, CancellationToken, Task>? _onClosing;
    private readonly Backoff _backoff;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private const int KeptDelays = 64;
    private readonly List<TimeSpan> _delays = [];
    private TaskCompletionSource _connected = NewSignal();
    private TaskCompletionSource _disconnected = NewSignal();
    private TimeSpan _stepTimeout = TimeSpan.FromSeconds(10);
    private string? _stalled;
    private PublishLane? _lane;

    /// <summary>Creates the link; call <see cref="RunAsync"/> to start it.</summary>
    /// <param name="plan">Builds the options for each attempt.</param>
    /// <param name="onConnected">Runs after every successful connect, before the link reports itself connected.</param>
    /// <param name="backoff">Reconnect delays.</param>
    /// <param name="time">Clock for delays and credential renewal.</param>
    /// <param name="onClosing">Runs once before a deliberate disconnect at shutdown (e.g. to publish an explicit offline status, since a clean disconnect suppresses the will).</param>
    public MqttLink(Func<CancellationToken, Task<MqttConnectPlan>> plan, Func<IMqttClient, CancellationToken, Task> onConnected, Backoff backoff, TimeProvider? time = null, Func<IMqttClient, CancellationToken, Task>? onClosing = null)
    {
        _onClosing = onClosing;
        _plan = plan;
        _onConnected = onConnected;
        _backoff = backoff;
        _time = time ?? TimeProvider.System;
        _client = new MqttClientFactory().CreateMqttClient(new CoalescingAdapterFactory(lane => Volatile.Write(ref _lane, lane)));
        _client.DisconnectedAsync += _ =>
        {
            lock (_lock)
            {
                _disconnected.TrySetResult();
            }

            return Task.CompletedTask;
        };
        _client.ApplicationMessageReceivedAsync += e => MessageReceived?.Invoke(e) ?? Task.CompletedTask;
    }

    /// <summary>
    /// Every message arriving on a subscription. Runs on MQTTnet's receive loop: keep it short. A handler that sets
    /// <see cref="MqttApplicationMessageReceivedEventArgs.AutoAcknowledge"/> to false acknowledges it later.
    /// </summary>
    public event Func<MqttApplicationMessageReceivedEventArgs, Task>? MessageReceived;

    /// <summary>Raised with the reason each time an attempt fails or the connection drops.</summary>
    public event Action<string>? ConnectionLost;

    /// <summary>Raised after each successful connect (and on-connect steps).</summary>
    public event Action? Connected;

    /// <summary>Connection attempts made so far.</summary>
    public int ConnectAttempts { get; private set; }

    /// <summary>Successful connections so far.</summary>
    public int Connections { get; private set; }

    /// <summary>Waits chosen after failures, in order (for diagnostics and tests); the last 64 are kept. A copy: the loop adds to them meanwhile.</summary>
    public IReadOnlyList<TimeSpan> Delays
    {
        get
        {
            lock (_delays)
            {
                return [.. _delays];
            }
        }
    }

    /// <summary>Why the last attempt failed or the connection dropped.</summary>
    public string? LastError { get; private set; }

    /// <summary>True while connected and past the on-connect steps.</summary>
    public bool IsConnected => _client.IsConnected && _connected.Task.IsCompleted;

    /// <summary>Completes when the link is connected.</summary>
    public Task WaitConnectedAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _connected.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Connects, and reconnects after every drop, until cancelled; then disconnects cleanly.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        int failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                ConnectAttempts++;
                MqttConnectPlan plan = await _plan(cancellationToken);
                _stepTimeout = plan.Options.Timeout > TimeSpan.Zero ? plan.Options.Timeout : TimeSpan.FromSeconds(10);
                lock (_lock)
                {
                    _disconnected = NewSignal();
                    _stalled = null;
                }

                MqttClientConnectResult result = await StepAsync(ct => _client.ConnectAsync(plan.Options, ct), "no CONNACK (TCP, TLS and CONNECT)", cancellationToken);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    // MQTTnet 5 returns (does not throw) a refusing CONNACK.
                    throw new CloudUnavailableException($"connection refused: {result.ResultCode} {result.ReasonString}".TrimEnd());
                }

                await StepAsync(async ct => { await _onConnected(_client, ct); return true; }, "the on-connect steps (SUBACK, birth message) did not complete", cancellationToken);
                failures = 0;
                Connections++;
                lock (_lock)
                {
                    _connected.TrySetResult();
                }

                Raise(Connected);
                await WaitForDropOrRenewalAsync(plan.RenewBefore, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Whatever went wrong (network, TLS, a bad certificate file, the plan itself), the supervising loop
                // must survive it: report, back off, try again.
                LastError = ex.Message;
                Raise(ConnectionLost, ex.Message);
                failures++;
            }

            lock (_lock)
            {
                if (_connected.Task.IsCompleted)
                {
                    _connected = NewSignal();
                }
            }

            if (_client.IsConnected)
            {
                await DisconnectQuietlyAsync();
            }

            if (failures > 0 && !cancellationToken.IsCancellationRequested)
            {
                TimeSpan delay = _backoff.Next(failures);
                lock (_delays)
                {
                    _delays.Add(delay);
                    if (_delays.Count > KeptDelays)
                    {
                        _delays.RemoveAt(0);
                    }
                }

                try
                {
                    await Task.Delay(delay, _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        if (_onClosing is not null && _client.IsConnected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _onClosing(_client, timeout.Token);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                // Best effort: the broker's will covers a missed goodbye.
            }
        }

        await DisconnectQuietlyAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await DisconnectQuietlyAsync();
        _client.Dispose();
    }

    private async Task WaitForDropOrRenewalAsync(DateTimeOffset? renewBefore, CancellationToken cancellationToken)
    {
        Task renew = Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        if (renewBefore is { } at)
        {
            TimeSpan until = at - _time.GetUtcNow();
            renew = until > TimeSpan.Zero ? Task.Delay(until, _time, cancellationToken) : Task.CompletedTask;
        }

        while (true)
        {
            Task dropped;
            lock (_lock)
            {
                dropped = _disconnected.Task;
            }

            if (await Task.WhenAny(dropped, renew) == renew)
            {
                await renew; // throws when cancelled
                return; // credentials about to expire: reconnect at once with fresh ones (no failure, no backoff)
            }

            if (_stalled is { } stalled)
            {
                throw new CloudUnavailableException(stalled);
            }

            if (!_client.IsConnected)
            {
                throw new CloudUnavailableException("connection lost");
            }

            // The Disconnected event of the previous connection arrived late; this one is alive.
            lock (_lock)
            {
                if (_disconnected.Task == dropped)
                {
                    _disconnected = NewSignal();
                }
            }
        }
    }

    private async Task DisconnectQuietlyAsync()
    {
        try
        {
            if (_client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
            }
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static void Raise(Action? handler)
    {
        try
        {
            handler?.Invoke();
        }
        catch (Exception)
        {
            // A subscriber's mistake must not end the connection loop.
        }
    }

    private static void Raise(Action<string>? handler, string reason)
    {
        try
        {
            handler?.Invoke(reason);
        }
        catch (Exception)
        {
            // As above.
        }
    }

    // Runs one network step under the step deadline; a missed deadline is a failure of this attempt, not a shutdown.
    private async Task<T> StepAsync<T>(Func<CancellationToken, Task<T>> step, string what, CancellationToken cancellationToken)
    {
        using var deadline = new StepDeadline(_stepTimeout, _time, cancellationToken);
        try
        {
            return await step(deadline.Token);
        }
        catch (Exception ex) when (deadline.Token.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // MQTTnet reports a cancelled read as "connection closed"; say what really happened.
            throw new CloudUnavailableException($"{what} within {_stepTimeout.TotalSeconds:0} s", ex);
        }
    }

    // The broker stopped answering on a live connection: make the supervising loop drop it and reconnect.
    private void Stall(string reason)
    {
        lock (_lock)
        {
            _stalled ??= reason;
            _disconnected.TrySetResult();
        }
    }
}
