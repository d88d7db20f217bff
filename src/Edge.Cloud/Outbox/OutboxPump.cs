using Edge.Cloud.Mqtt;
using Edge.Cloud.Transport;

namespace Edge.Cloud.Outbox;

/// <summary>Pacing of the pump (<c>Cloud:Pump:*</c>).</summary>
public sealed class PumpOptions
{
    /// <summary>
    /// What <see cref="MaxInFlight"/> 0 means: the most the link can have in flight, MQTT's 65,535 packet identifiers
    /// of one connection less those kept for the client's own packets (<see cref="PublishLane.MaxOwnInFlight"/>).
    /// </summary>
    public const int ProtocolMaxInFlight = PublishLane.MaxOwnInFlight;

    /// <summary>Most messages per second to the cloud; 0 for no limit. Paces the replay of a backlog after an outage.</summary>
    public double RatePerSecond { get; set; } = 500;

    /// <summary>Messages that may go at once after a quiet spell before pacing applies; 0 for none (every message waits its turn).</summary>
    public int Burst { get; set; } = 50;

    /// <summary>Each pause is stretched or shortened at random by up to this fraction, so gateways do not send in step.</summary>
    public double Jitter { get; set; } = 0.2;

    /// <summary>Messages sent but not yet acknowledged, at most; 0 for no limit of ours (the link's, <see cref="ProtocolMaxInFlight"/>).</summary>
    public int MaxInFlight { get; set; } = 32;

    /// <summary>Names the first invalid setting, or null.</summary>
    public string? Problem() =>
        !(RatePerSecond >= 0) || double.IsInfinity(RatePerSecond) ? "Pump:RatePerSecond must be a number >= 0 (0 = no limit)"
        : Burst < 0 ? "Pump:Burst must be >= 0"
        : MaxInFlight is < 0 or > ProtocolMaxInFlight ? $"Pump:MaxInFlight must be from 0 (no limit) to {ProtocolMaxInFlight}"
        : !(Jitter is >= 0 and <= 1) ? "Pump:Jitter must be from 0 to 1"
        : null;
}

/// <summary>
/// Moves messages from the outbox to the transport: highest class first, each stream in order, at most
/// <see cref="PumpOptions.MaxInFlight"/> unacknowledged, paced by a token bucket with jitter. A message is acknowledged
/// in the outbox only when the transport confirms it (PUBACK), and released back to its place when it is not.
/// </summary>
public sealed class OutboxPump : IDisposable
{
    private readonly DurableOutbox _outbox;
    private readonly ICloudTransport _transport;
    private readonly PumpOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<double> _random;
    private readonly SemaphoreSlim _inFlight;
    private long _nextAt;

    /// <summary>Creates the pump; <see cref="RunAsync"/> starts it.</summary>
    public OutboxPump(DurableOutbox outbox, ICloudTransport transport, PumpOptions? options = null, TimeProvider? time = null, Func<double>? random = null)
    {
        _outbox = outbox;
        _transport = transport;
        _options = options ?? new PumpOptions();
        _time = time ?? TimeProvider.System;
        _random = random ?? Random.Shared.NextDouble;
        _inFlight = new SemaphoreSlim(_options.MaxInFlight == 0 ? PumpOptions.ProtocolMaxInFlight : _options.MaxInFlight);
    }

    /// <summary>Messages the transport confirmed.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Sends that failed and were put back.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    private long _sent;
    private long _failed;

    /// <summary>The last unexpected send error (not a plain disconnect), for health reporting.</summary>
    public string? LastError { get; private set; }

    /// <inheritdoc />
    public void Dispose() => _inFlight.Dispose();

    /// <summary>Runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await _transport.WaitConnectedAsync(cancellationToken);
                await _inFlight.WaitAsync(cancellationToken);
                OutboxMessage message;
                try
                {
                    message = await _outbox.TakeAsync(cancellationToken);
                    await PaceAsync(cancellationToken);
                }
                catch
                {
                    _inFlight.Release();
                    throw;
                }

                _ = SendAsync(message, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _transport.SendAsync(message, cancellationToken);
            _outbox.Ack(message);
            Interlocked.Increment(ref _sent);
        }
        catch (PermanentlyRefusedException ex)
        {
            // Sending it again cannot help, and at the head of its stream it would block everything behind it.
            _outbox.DeadLetter(message, ex.Message);
            LastError = ex.Message;
        }
        catch (Exception ex)
        {
            // Whatever went wrong, the message must not stay "in flight" forever: put it back for the next attempt.
            _outbox.Release(message);
            Interlocked.Increment(ref _failed);
            if (ex is not (CloudUnavailableException or OperationCanceledException))
            {
                LastError = ex.Message;
            }
        }
        finally
        {
            _inFlight.Release();
        }
    }

    // Token bucket: the schedule advances one interval (with jitter) per message and may lag the clock by at most
    // Burst intervals, so a quiet gateway sends a small burst at once and a backlog drains at the configured rate.
    private async Task PaceAsync(CancellationToken cancellationToken)
    {
        if (_options.RatePerSecond <= 0)
        {
            return;
        }

        long interval = (long)(_time.TimestampFrequency / _options.RatePerSecond);
        long now = _time.GetTimestamp();
        long earliest = now - (interval * _options.Burst);
        if (_nextAt < earliest)
        {
            _nextAt = earliest;
        }

        _nextAt += (long)(interval * (1 + (_options.Jitter * ((2 * _random()) - 1))));
        if (_nextAt > now)
        {
            await Task.Delay(_time.GetElapsedTime(now, _nextAt), _time, cancellationToken);
        }
    }
}
