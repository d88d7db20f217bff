using MQTTnet;
using MQTTnet.Protocol;

namespace Edge.Cloud.Mqtt;

// Publishing: through MQTTnet's client, or on the link's own QoS 1 path (PublishLane) for outbox events.
public sealed partial class MqttLink
{
    /// <summary>Publishes and returns once the broker acknowledged (QoS 1) or the packet was sent (QoS 0).</summary>
    public async Task PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        if (!IsConnected)
        {
            throw new CloudUnavailableException("not connected");
        }

        MqttClientPublishResult result;
        TimeSpan timeout = _stepTimeout;
        using (var deadline = new StepDeadline(timeout, _time, cancellationToken))
        {
            try
            {
                result = await _client.PublishAsync(message, deadline.Token);
            }
            catch (Exception) when (deadline.Token.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // Cancelled by the deadline, whichever exception MQTTnet turned the cancellation into.
                string reason = message.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce
                    ? $"a publish could not be sent within {timeout.TotalSeconds:0} s"
                    : $"no PUBACK within {timeout.TotalSeconds:0} s";
                Stall(reason);
                throw new CloudUnavailableException(reason);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Exceptions.MqttClientNotConnectedException or InvalidOperationException or ObjectDisposedException)
            {
                throw new CloudUnavailableException(ex.Message, ex);
            }
        }

        // MQTTnet's publish result codes are the PUBACK reason codes, value for value and name for name.
        ThrowIfRefused((MqttPubAckReasonCode)(int)result.ReasonCode, result.ReasonString);
    }

    /// <summary>
    /// Publishes at QoS 1 on the gateway's own publish path (<see cref="PublishLane"/>) and returns once the broker
    /// acknowledged it, with the same deadline and the same errors as <see cref="PublishAsync"/>. A connection without
    /// that path (not over TCP) takes <see cref="PublishAsync"/>.
    /// </summary>
    public async Task PublishAtLeastOnceAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, string? contentType, CancellationToken cancellationToken)
    {
        PublishLane? lane = Volatile.Read(ref _lane);
        if (!IsConnected)
        {
            throw new CloudUnavailableException("not connected");
        }

        if (lane is null)
        {
            MqttApplicationMessageBuilder b = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload.ToArray()).WithRetainFlag(retain).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
            await PublishAsync((contentType is null ? b : b.WithContentType(contentType)).Build(), cancellationToken);
            return;
        }

        TimeSpan timeout = _stepTimeout;
        MQTTnet.Packets.MqttPubAckPacket ack;
        try
        {
            ack = await lane.PublishAsync(topic, payload, retain, contentType).WaitAsync(timeout, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            string reason = $"no PUBACK within {timeout.TotalSeconds:0} s";
            Stall(reason);
            throw new CloudUnavailableException(reason);
        }

        ThrowIfRefused(ack.ReasonCode, ack.ReasonString);
    }

    private static void ThrowIfRefused(MqttPubAckReasonCode code, string? reason)
    {
        if (code is MqttPubAckReasonCode.TopicNameInvalid or MqttPubAckReasonCode.PayloadFormatInvalid or MqttPubAckReasonCode.NotAuthorized)
        {
            // MQTT 5: the broker will refuse this message every time it is sent.
            throw new Transport.PermanentlyRefusedException($"broker refused the publish: {code} {reason}".TrimEnd());
        }

        if (code is not (MqttPubAckReasonCode.Success or MqttPubAckReasonCode.NoMatchingSubscribers))
        {
            throw new CloudUnavailableException($"broker refused the publish: {code}");
        }
    }
}
