using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Edge.Cloud.Mqtt;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Edge.Cloud.Probe;

/// <summary>
/// Verifies a cloud configuration with one real connection and says which stage failed and why: DNS, TCP, TLS,
/// authentication (CONNACK), authorisation (SUBACK/PUBACK, or the hub's twin answer), and for DPS the registration.
/// Every stage shares the one <c>timeout</c>; the caller's cancellation throws <see cref="OperationCanceledException"/>.
/// </summary>
public static partial class ConnectionProbe
{
    private static readonly byte[] ProbeStatus = Encoding.UTF8.GetBytes("{\"state\":\"probe\"}");

    /// <summary>
    /// Probes a plain MQTT broker as the gateway's link would connect to it (same host, port, TLS trust, credentials),
    /// but over MQTT 5, with its own client id and a clean session, so reason codes are precise and a running gateway's
    /// session is left alone. Authorisation: a QoS 1 subscription to <paramref name="commandTopicFilter"/> and a QoS 1
    /// non-retained publish of <c>{"state":"probe"}</c> to <paramref name="statusTopic"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid (<see cref="MqttOptions.Problem"/>) or a topic is empty.</exception>
    public static async Task<ProbeReport> ProbeMqttAsync(MqttOptions options, string commandTopicFilter, string statusTopic, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(commandTopicFilter);
        ArgumentException.ThrowIfNullOrWhiteSpace(statusTopic);
        if (options.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        using var run = new ProbeRun(timeout, cancellationToken);
        run.Secret(options.Password);
        int port = options.Port != 0 ? options.Port : options.UseTls ? 8883 : 1883; // as MqttTransport
        var ep = new ProbeEndpoint(options.Host, port, "Cloud:Mqtt:Host", "Cloud:Mqtt:Port", "Cloud:Mqtt:UseTls", "Cloud:Mqtt:CaFile", options.CaFile);
        Stream? stream = await OpenAsync(run, ep, options.UseTls, options.ClientCertFile, options.ClientKeyFile, "Cloud:Mqtt:ClientCertFile");
        if (stream is null)
        {
            run.SkipRest(ep.Target, ProbeStage.Authentication, ProbeStage.Authorization);
            return run.Report();
        }

        // A client id of its own: connecting as the gateway would take over (and with a clean start, wipe) its session.
        MqttClientOptionsBuilder connect = new MqttClientOptionsBuilder()
            .WithClientId($"{(string.IsNullOrWhiteSpace(options.ClientId) ? "edge" : options.ClientId)}-probe-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}")
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanSession()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(options.KeepAliveSeconds));
        if (!string.IsNullOrEmpty(options.Username))
        {
            connect.WithCredentials(options.Username, options.Password ?? "");
        }

        bool certificate = !string.IsNullOrEmpty(options.ClientCertFile);
        var credentials = new ProbeCredentials(
            string.IsNullOrEmpty(options.Username) ? (certificate ? "the client certificate" : "an anonymous client") : "the user name or password",
            string.IsNullOrEmpty(options.Username) ? (certificate ? "Cloud:Mqtt:ClientCertFile" : "Cloud:Mqtt:Username") : "Cloud:Mqtt:Username and Cloud:Mqtt:Password",
            !string.IsNullOrEmpty(options.Password),
            certificate);
        IMqttClient? client = await MqttStages.ConnectAsync(run, ep, stream, connect, credentials);
        if (client is null)
        {
            run.SkipRest(ep.Target, ProbeStage.Authorization);
            return run.Report();
        }

        try
        {
            await AuthorizeMqttAsync(run, ep, client, commandTopicFilter, statusTopic);
        }
        finally
        {
            await MqttStages.CloseAsync(client);
        }

        return run.Report();
    }

    // Both checks run even when the first fails, so one probe names every ACL line to fix.
    private static async Task AuthorizeMqttAsync(ProbeRun run, ProbeEndpoint ep, IMqttClient client, string commandTopicFilter, string statusTopic)
    {
        long started = ProbeRun.Start();
        string step = "SUBACK";
        try
        {
            string? subscribe = await MqttStages.SubscribeAsync(client, commandTopicFilter, MqttQualityOfServiceLevel.AtLeastOnce, run.Token);
            step = "PUBACK";
            MqttClientPublishResult published = await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(statusTopic)
                .WithPayload(ProbeStatus)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build(), run.Token);
            string? publish = published.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers
                ? null
                : $"PUBACK {published.ReasonCode}{(string.IsNullOrEmpty(published.ReasonString) ? "" : ": " + published.ReasonString)}";
            if (subscribe is null && publish is null)
            {
                run.Ok(ProbeStage.Authorization, ep.Target, started, $"authorisation: subscription to {commandTopicFilter} granted, publish to {statusTopic} acknowledged");
                return;
            }

            var refused = new List<string>();
            if (subscribe is not null)
            {
                refused.Add($"the broker refused subscription to {commandTopicFilter} ({subscribe})");
            }

            if (publish is not null)
            {
                refused.Add($"the broker refused a publish to {statusTopic} ({publish})");
            }

            run.Fail(ProbeStage.Authorization, ep.Target, started, subscribe is not null ? ProbeCodes.AuthzSubscribeDenied : ProbeCodes.AuthzPublishDenied,
                $"authorisation: {string.Join("; and ", refused)} (check the broker's ACL for this user)");
        }
        catch (Exception) when (run.TimedOut)
        {
            run.Fail(ProbeStage.Authorization, ep.Target, started, ProbeCodes.TimeoutNoAnswer, $"authorisation: no {step} from {ep.Target} within {run.Seconds} s");
        }
        catch (Exception ex) when (ex is MqttCommunicationException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Some brokers (and IoT Hub) answer a forbidden subscription or publish by closing the connection.
            run.Fail(ProbeStage.Authorization, ep.Target, started, step == "SUBACK" ? ProbeCodes.AuthzSubscribeDenied : ProbeCodes.AuthzPublishDenied,
                $"authorisation: the broker closed the connection instead of a {step} ({(step == "SUBACK" ? "subscription to " + commandTopicFilter : "publish to " + statusTopic)}; check the broker's ACL for this user)");
        }
    }

    /// <summary>DNS, TCP and (when <paramref name="useTls"/>) TLS; the stream to speak MQTT on, or null with the failure and the skipped stages recorded.</summary>
    private static async Task<Stream?> OpenAsync(ProbeRun run, ProbeEndpoint ep, bool useTls, string? certFile, string? keyFile, string certKey)
    {
        IPAddress[]? addresses = await NetworkStages.ResolveAsync(run, ep);
        if (addresses is null)
        {
            run.SkipRest(ep.Target, ProbeStage.Tcp, ProbeStage.Tls);
            return null;
        }

        Socket? socket = await NetworkStages.ConnectAsync(run, ep, addresses);
        if (socket is null)
        {
            run.SkipRest(ep.Target, ProbeStage.Tls);
            return null;
        }

        if (!useTls)
        {
            run.Skip(ProbeStage.Tls, ep.Target, $"TLS: off ({ep.TlsKey} is false)");
            return new NetworkStream(socket, ownsSocket: true);
        }

        return await TlsStage.HandshakeAsync(run, ep, socket, certFile, keyFile, certKey);
    }
}
