using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Edge.Cloud.IotHub;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Edge.Cloud.Probe;

public static partial class ConnectionProbe
{
    /// <summary>
    /// Probes Azure IoT Hub as <see cref="IotHubTransport"/> connects to it (MQTT 3.1.1 on TLS, the device id as client
    /// id, a SAS token or the X.509 certificate), then checks authorisation with a subscription to the twin responses
    /// and a twin GET, which changes nothing on the hub. With <see cref="IotHubOptions.UsesDps"/> it is
    /// <see cref="ProbeDpsAsync"/>. A running gateway with the same device id is disconnected once (the hub allows one
    /// connection per device) and reconnects on its own.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid (<see cref="IotHubOptions.Problem"/>).</exception>
    public static async Task<ProbeReport> ProbeIotHubAsync(IotHubOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        if (options.UsesDps)
        {
            return await ProbeDpsAsync(options, timeout, cancellationToken);
        }

        using var run = new ProbeRun(timeout, cancellationToken);
        run.Secret(options.DeviceKey);
        await ProbeHubAsync(run, options, options.HostName!, options.DeviceId!, options.DeviceKey, "Cloud:IotHub:HostName", "Cloud:IotHub:DeviceKey");
        return run.Report(deviceId: options.DeviceId);
    }

    /// <summary>
    /// Probes the Device Provisioning Service (DNS, TCP, TLS of <see cref="IotHubOptions.DpsHost"/>), performs a real
    /// registration with <see cref="DpsClient"/> (the group key is turned into the device key with
    /// <see cref="SasToken.DeriveDeviceKey"/>), then probes the assigned hub with that key. The report names the
    /// assigned hub and device id. The transport's cached assignment is neither read nor written.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid or do not use DPS.</exception>
    public static async Task<ProbeReport> ProbeDpsAsync(IotHubOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        if (!options.UsesDps)
        {
            throw new ArgumentException("Cloud:IotHub:DpsIdScope is not set: probe the hub with ProbeIotHubAsync", nameof(options));
        }

        using var run = new ProbeRun(timeout, cancellationToken);
        var dps = new DpsClient(options);
        run.Secret(options.DpsEnrollmentKey);
        run.Secret(options.DpsGroupKey);
        run.Secret(dps.DeviceKey);
        const string hubTarget = "(assigned hub)";
        var ep = new ProbeEndpoint(options.DpsHost, options.DpsPort, "Cloud:IotHub:DpsHost", "Cloud:IotHub:DpsPort", null, "Cloud:IotHub:CaFile", options.CaFile);

        // The registration opens its own connection: this one only tells DNS, TCP and TLS apart from DPS's answer.
        Stream? reached = await OpenAsync(run, ep, true, null, null, "");
        if (reached is null)
        {
            run.SkipRest(ep.Target, ProbeStage.Provisioning);
            run.SkipRest(hubTarget, ProbeStage.Dns, ProbeStage.Tcp, ProbeStage.Tls, ProbeStage.Authentication, ProbeStage.Authorization);
            return run.Report();
        }

        await reached.DisposeAsync();
        DpsAssignment? assignment = await RegisterAsync(run, ep, dps, options);
        if (assignment is null)
        {
            run.SkipRest(hubTarget, ProbeStage.Dns, ProbeStage.Tcp, ProbeStage.Tls, ProbeStage.Authentication, ProbeStage.Authorization);
            return run.Report();
        }

        await ProbeHubAsync(run, options, assignment.AssignedHub, assignment.DeviceId, dps.DeviceKey, "the hub DPS assigned", options.DpsGroupKey is { Length: > 0 } ? "Cloud:IotHub:DpsGroupKey" : "Cloud:IotHub:DpsEnrollmentKey");
        return run.Report(assignment.AssignedHub, assignment.DeviceId);
    }

    private static async Task<DpsAssignment?> RegisterAsync(ProbeRun run, ProbeEndpoint ep, DpsClient dps, IotHubOptions options)
    {
        long started = ProbeRun.Start();
        string keyKey = options.DpsGroupKey is { Length: > 0 } ? "Cloud:IotHub:DpsGroupKey" : "Cloud:IotHub:DpsEnrollmentKey";
        try
        {
            DpsAssignment assignment = await dps.RegisterAsync(run.Token);
            run.Ok(ProbeStage.Provisioning, ep.Target, started, $"provisioning: DPS assigned device '{assignment.DeviceId}' to hub '{assignment.AssignedHub}'");
            return assignment;
        }
        catch (Exception) when (run.TimedOut)
        {
            run.Fail(ProbeStage.Provisioning, ep.Target, started, ProbeCodes.TimeoutNoAnswer, $"provisioning: DPS did not complete the registration within {run.Seconds} s");
        }
        catch (DpsException ex) when (ex.ConnectResult is MqttClientConnectResultCode.NotAuthorized or MqttClientConnectResultCode.BadUserNameOrPassword)
        {
            run.Fail(ProbeStage.Provisioning, ep.Target, started, ProbeCodes.DpsBadCredentials,
                $"provisioning: DPS refused the registration credentials (CONNACK {ex.ConnectResult}; check Cloud:IotHub:DpsIdScope, Cloud:IotHub:DpsRegistrationId and {keyKey})");
        }
        catch (DpsException ex)
        {
            run.Fail(ProbeStage.Provisioning, ep.Target, started, ProbeCodes.DpsRegistrationFailed, $"provisioning: {ex.Message}");
        }
        catch (Exception ex) when (ex is MqttCommunicationException or IOException or JsonException or InvalidOperationException)
        {
            run.Fail(ProbeStage.Provisioning, ep.Target, started, ProbeCodes.DpsRegistrationFailed, $"provisioning: the registration failed: {ex.Message}");
        }

        return null;
    }

    private static async Task ProbeHubAsync(ProbeRun run, IotHubOptions options, string host, string deviceId, string? key, string hostKey, string keyKey)
    {
        var ep = new ProbeEndpoint(host, options.Port, hostKey, "Cloud:IotHub:Port", null, "Cloud:IotHub:CaFile", options.CaFile);
        bool x509 = string.IsNullOrEmpty(key);
        Stream? stream = await OpenAsync(run, ep, true, x509 ? options.CertFile : null, x509 ? options.KeyFile : null, "Cloud:IotHub:CertFile");
        if (stream is null)
        {
            run.SkipRest(ep.Target, ProbeStage.Authentication, ProbeStage.Authorization);
            return;
        }

        string? token = null;
        if (!x509)
        {
            // Short-lived: the token only has to outlive this probe.
            token = SasToken.Create($"{host}/devices/{deviceId}", key!, DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds());
            run.Secret(token);
        }

        // Clean session: a persistent one would hand the probe the C2D messages queued for the gateway.
        MqttClientOptionsBuilder connect = new MqttClientOptionsBuilder()
            .WithClientId(deviceId)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(options.KeepAliveSeconds))
            .WithCredentials(IotHubTopics.UserName(host, deviceId), token);
        ProbeCredentials credentials = x509
            ? new("the device certificate", "Cloud:IotHub:CertFile: is its thumbprint or CA registered for this device?", false, true)
            : new($"the SAS token of device '{deviceId}'", $"{keyKey} and the device id", true, false);
        IMqttClient? client = await MqttStages.ConnectAsync(run, ep, stream, connect, credentials);
        if (client is null)
        {
            run.SkipRest(ep.Target, ProbeStage.Authorization);
            return;
        }

        try
        {
            await AuthorizeHubAsync(run, ep, client);
        }
        finally
        {
            await MqttStages.CloseAsync(client);
        }
    }

    // IoT Hub has no ACLs to ask about; it refuses a subscription or a request by closing the connection (reference
    // notes §9). The twin response subscription plus a twin GET round trip is what the transport does after every connect.
    private static async Task AuthorizeHubAsync(ProbeRun run, ProbeEndpoint ep, IMqttClient client)
    {
        long started = ProbeRun.Start();
        string rid = "probe-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var answer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (IotHubTopics.ParseTwinResponse(e.ApplicationMessage.Topic) is { } r && r.Rid == rid)
            {
                answer.TrySetResult(r.Status);
            }

            return Task.CompletedTask;
        };
        client.DisconnectedAsync += _ =>
        {
            answer.TrySetException(new MqttCommunicationException("the hub closed the connection"));
            return Task.CompletedTask;
        };
        string step = "SUBACK";
        try
        {
            if (await MqttStages.SubscribeAsync(client, IotHubTopics.TwinResponses, MqttQualityOfServiceLevel.AtMostOnce, run.Token) is { } refused)
            {
                run.Fail(ProbeStage.Authorization, ep.Target, started, ProbeCodes.AuthzSubscribeDenied, $"authorisation: the hub refused subscription to {IotHubTopics.TwinResponses} ({refused})");
                return;
            }

            step = "twin response";
            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(IotHubTopics.TwinGet(rid)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce).Build(), run.Token);
            int status = await answer.Task.WaitAsync(run.Token);
            if (status is 200 or 429)
            {
                string busy = status == 429 ? " (429: allowed, but the hub is throttling this device)" : "";
                run.Ok(ProbeStage.Authorization, ep.Target, started, $"authorisation: subscribed to {IotHubTopics.TwinResponses}; twin GET answered {status.ToString(CultureInfo.InvariantCulture)}{busy}");
                return;
            }

            run.Fail(ProbeStage.Authorization, ep.Target, started, ProbeCodes.AuthzPublishDenied, $"authorisation: the hub answered the twin GET with {status.ToString(CultureInfo.InvariantCulture)}");
        }
        catch (Exception) when (run.TimedOut)
        {
            run.Fail(ProbeStage.Authorization, ep.Target, started, ProbeCodes.TimeoutNoAnswer, $"authorisation: no {step} from {ep.Target} within {run.Seconds} s");
        }
        catch (Exception ex) when (ex is MqttCommunicationException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            run.Fail(ProbeStage.Authorization, ep.Target, started, step == "SUBACK" ? ProbeCodes.AuthzSubscribeDenied : ProbeCodes.AuthzPublishDenied,
                $"authorisation: the hub closed the connection instead of a {step} ({(step == "SUBACK" ? "subscription to " + IotHubTopics.TwinResponses : "twin GET")}; is the device enabled?)");
        }
    }
}
