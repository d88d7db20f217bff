using System.Net;
using MQTTnet;
using MQTTnet.Channel;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace Edge.Cloud.Probe;

/// <summary>
/// The MQTT stages on the connection the network stages opened: CONNECT (authentication), then what the caller
/// checks with the connected client (authorisation). MQTTnet speaks over the probe's own stream, so the broker sees
/// one connection and each stage's time is its own.
/// </summary>
internal static class MqttStages
{
    /// <summary>A connected client, or null with the failure recorded. <paramref name="stream"/> is owned by the client from here on.</summary>
    /// <param name="run">The probe.</param>
    /// <param name="ep">The endpoint.</param>
    /// <param name="stream">The TCP or TLS stream.</param>
    /// <param name="options">Client options without a server; the stream is plugged in here.</param>
    /// <param name="credentials">What was sent and the settings that hold it, for the detail.</param>
    public static async Task<IMqttClient?> ConnectAsync(ProbeRun run, ProbeEndpoint ep, Stream stream, MqttClientOptionsBuilder options, ProbeCredentials credentials)
    {
        long started = ProbeRun.Start();
        IMqttClient client = new MqttClientFactory().CreateMqttClient();

        // Anything the broker sends that the probe did not ask for (a queued command) stays unacknowledged: a
        // clean session forgets it, and the gateway's own session keeps it.
        client.ApplicationMessageReceivedAsync += e =>
        {
            e.AutoAcknowledge = false;
            return Task.CompletedTask;
        };
        MqttClientOptions built = options
            .WithTcpServer(ep.Host, ep.Port)
            .WithStreamProvider(new OneStream(stream))
            .WithTimeout(run.Timeout)
            .Build();
        try
        {
            MqttClientConnectResult result = await client.ConnectAsync(built, run.Token);
            if (result.ResultCode == MqttClientConnectResultCode.Success)
            {
                run.Ok(ProbeStage.Authentication, ep.Target, started, $"authentication: CONNACK Success as client '{built.ClientId}' (MQTT {Version(built)})");
                return client;
            }

            string why = $"CONNACK {result.ResultCode}{(string.IsNullOrEmpty(result.ReasonString) ? "" : ": " + result.ReasonString)}";
            // Mosquitto 2 and IoT Hub answer a wrong password or key with Not authorized, not Bad user name or
            // password: with a secret sent, either code means the secret (or the name that goes with it) is wrong.
            (string code, string detail) = result.ResultCode switch
            {
                MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized when credentials.SecretSent =>
                    (ProbeCodes.AuthBadCredentials, $"authentication: the broker refused {credentials.What} ({why}; check {credentials.Keys})"),
                MqttClientConnectResultCode.BadUserNameOrPassword => (ProbeCodes.AuthBadCredentials, $"authentication: the broker refused {credentials.What} ({why}; check {credentials.Keys})"),
                MqttClientConnectResultCode.NotAuthorized => (ProbeCodes.AuthNotAuthorized, $"authentication: the broker does not let this client connect ({why}; check {credentials.Keys})"),
                MqttClientConnectResultCode.ClientIdentifierNotValid => (ProbeCodes.AuthClientIdRejected, $"authentication: the broker refused the client id '{built.ClientId}' ({why})"),
                MqttClientConnectResultCode.UnsupportedProtocolVersion => (ProbeCodes.AuthProtocolUnsupported, $"authentication: the broker does not speak MQTT {Version(built)} ({why})"),
                _ => (ProbeCodes.AuthRefused, $"authentication: the broker refused the connection ({why})"),
            };
            run.Fail(ProbeStage.Authentication, ep.Target, started, code, detail);
        }
        catch (Exception) when (run.TimedOut)
        {
            run.Fail(ProbeStage.Authentication, ep.Target, started, ProbeCodes.TimeoutNoAnswer, $"authentication: no CONNACK from {ep.Target} within {run.Seconds} s (is this an MQTT listener?)");
        }
        catch (Exception ex) when (ex is MqttCommunicationException or IOException or ObjectDisposedException)
        {
            string hint = credentials.ClientCertificate ? " (a broker that refuses the client certificate closes the connection like this)" : "";
            run.Fail(ProbeStage.Authentication, ep.Target, started, ProbeCodes.AuthConnectionClosed, $"authentication: {ep.Target} closed the connection instead of answering CONNECT: {ex.Message}{hint}");
        }

        client.Dispose();
        return null;
    }

    /// <summary>The broker's answer to one subscription: null when granted, else why not. Throws on a timeout or a dropped connection.</summary>
    public static async Task<string?> SubscribeAsync(IMqttClient client, string filter, MqttQualityOfServiceLevel qos, CancellationToken cancellationToken)
    {
        MqttClientSubscribeResult result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, qos).Build(), cancellationToken);
        MqttClientSubscribeResultItem? item = result.Items.FirstOrDefault();
        return item?.ResultCode switch
        {
            MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2 => null,
            null => "SUBACK without a result",
            // MQTTnet names the 3.1.1 failure (0x80) UnspecifiedError; an ACL denial is the usual reason.
            { } code => $"SUBACK {code}{(string.IsNullOrEmpty(result.ReasonString) ? "" : ": " + result.ReasonString)}",
        };
    }

    /// <summary>Disconnects if still connected, within a short deadline of its own, and disposes.</summary>
    public static async Task CloseAsync(IMqttClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
            }
        }
        catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            // Already gone: the probe's findings are made.
        }

        client.Dispose();
    }

    private static string Version(MqttClientOptions options) => options.ProtocolVersion == MQTTnet.Formatter.MqttProtocolVersion.V500 ? "5" : "3.1.1";

    /// <summary>Hands MQTTnet the stream the probe already opened (and authenticated), once.</summary>
    private sealed class OneStream(Stream stream) : IMqttClientStreamProvider
    {
        private int _taken;

        public Task<Stream> ConnectAsync(EndPoint brokerEndPoint, CancellationToken cancellationToken) =>
            Interlocked.Exchange(ref _taken, 1) == 0
                ? Task.FromResult(stream)
                : throw new InvalidOperationException("the probe's connection is used once");
    }
}

/// <summary>What a probe authenticates with, as a detail names it; never the secret itself.</summary>
/// <param name="What">E.g. "the user name or password".</param>
/// <param name="Keys">The settings to check.</param>
/// <param name="SecretSent">A password or token went into CONNECT.</param>
/// <param name="ClientCertificate">A client certificate was offered in TLS.</param>
internal sealed record ProbeCredentials(string What, string Keys, bool SecretSent, bool ClientCertificate);
