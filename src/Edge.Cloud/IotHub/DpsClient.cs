using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Edge.Cloud.IotHub;

/// <summary>Where DPS assigned the device.</summary>
public sealed record DpsAssignment(string AssignedHub, string DeviceId);

/// <summary>DPS refused or failed the registration; <see cref="Retriable"/> says whether trying later can help.</summary>
public sealed class DpsException(string message, bool retriable) : Exception(message)
{
    /// <summary>True for throttling and server errors.</summary>
    public bool Retriable { get; } = retriable;

    /// <summary>DPS's CONNACK when it refused the connection (a wrong key or registration id), else null.</summary>
    public MqttClientConnectResultCode? ConnectResult { get; init; }
}

/// <summary>
/// Registers a device with the Device Provisioning Service over MQTT with a symmetric key: PUT iotdps-register, then
/// poll iotdps-get-operationstatus honouring <c>retry-after</c> until the device is assigned.
/// </summary>
public sealed class DpsClient
{
    private static readonly TimeSpan MinPoll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);
    private readonly IotHubOptions _options;
    private readonly TimeProvider _time;
    private int _rid;

    /// <summary>Creates a client for the DPS settings in <paramref name="options"/>.</summary>
    public DpsClient(IotHubOptions options, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The key the device signs with: the individual enrollment key, or the one derived from the group key.</summary>
    public string DeviceKey => _options.DpsEnrollmentKey is { Length: > 0 } individual
        ? individual
        : SasToken.DeriveDeviceKey(_options.DpsGroupKey!, _options.DpsRegistrationId!);

    /// <summary>Registers and returns the assignment.</summary>
    public async Task<DpsAssignment> RegisterAsync(CancellationToken cancellationToken)
    {
        string regId = _options.DpsRegistrationId!;
        string scope = _options.DpsIdScope!;
        long expiry = _time.GetUtcNow().AddHours(1).ToUnixTimeSeconds();
        string password = SasToken.Create($"{scope}/registrations/{regId}", DeviceKey, expiry, "registration");
        var responses = new ConcurrentDictionary<string, TaskCompletionSource<(int Status, int? RetryAfter, byte[] Body)>>();
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (IotHubTopics.ParseDpsResponse(e.ApplicationMessage.Topic) is { } r && responses.TryRemove(r.Rid, out var waiter))
            {
                waiter.TrySetResult((r.Status, r.RetryAfter, System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload)));
            }

            return Task.CompletedTask;
        };

        MqttClientOptions options = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.DpsHost, _options.DpsPort)
            .WithClientId(regId)
            .WithCredentials(IotHubTopics.DpsUserName(scope, regId), password)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession()
            .WithTimeout(TimeSpan.FromSeconds(30))
            .WithTlsOptions(tls => Mqtt.TlsSetup.Configure(tls, _options.DpsHost, _options.CaFile, null, null))
            .Build();
        MqttClientConnectResult connect = await Step(ct => client.ConnectAsync(options, ct), "no CONNACK from DPS", cancellationToken);
        if (connect.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new DpsException($"DPS refused the connection: {connect.ResultCode}", connect.ResultCode == MqttClientConnectResultCode.ServerUnavailable) { ConnectResult = connect.ResultCode };
        }

        await Step(ct => client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(IotHubTopics.DpsResponses, MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct), "no SUBACK from DPS", cancellationToken);
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new { registrationId = regId });
        (int status, int? retryAfter, byte[] payload) = await RequestAsync(client, responses, IotHubTopics.DpsRegister, body, cancellationToken);
        for (int polls = 0; ; polls++)
        {
            using JsonDocument doc = JsonDocument.Parse(payload.Length == 0 ? "{}"u8.ToArray() : payload);
            JsonElement root = doc.RootElement;
            if (status == 200 && Text(root, "status") == "assigned" && root.TryGetProperty("registrationState", out JsonElement state))
            {
                await client.DisconnectAsync(cancellationToken: CancellationToken.None);
                return new DpsAssignment(Text(state, "assignedHub") ?? throw new DpsException("no assignedHub in the answer", false), Text(state, "deviceId") ?? regId);
            }

            bool transient = status is 429 or >= 500;
            if (status == 202 || (status == 200 && Text(root, "status") is "assigning" or "unassigned") || transient)
            {
                if (polls > 60)
                {
                    throw new DpsException("DPS did not assign the device after 60 polls", true);
                }

                TimeSpan wait = TimeSpan.FromSeconds(retryAfter ?? 2);
                await Task.Delay(wait < MinPoll ? MinPoll : wait, _time, cancellationToken);
                string operationId = Text(root, "operationId") ?? throw new DpsException($"DPS answered {status} without an operationId", transient);
                (status, retryAfter, payload) = await RequestAsync(client, responses, rid => IotHubTopics.DpsPoll(rid, operationId), [], cancellationToken);
                continue;
            }

            // 401 (bad key), 400 (bad registration id), or "failed"/"disabled": retrying with the same key cannot help.
            string detail = Text(root, "message") ?? Text(root, "status") ?? "";
            throw new DpsException($"DPS registration failed: {status} {detail}".TrimEnd(), false);
        }
    }

    private async Task<(int, int?, byte[])> RequestAsync(IMqttClient client, ConcurrentDictionary<string, TaskCompletionSource<(int, int?, byte[])>> responses, Func<string, string> topic, byte[] body, CancellationToken cancellationToken)
    {
        string rid = Interlocked.Increment(ref _rid).ToString(CultureInfo.InvariantCulture);
        var waiter = new TaskCompletionSource<(int, int?, byte[])>(TaskCreationOptions.RunContinuationsAsynchronously);
        responses[rid] = waiter;
        await Step(ct => client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic(rid)).WithPayload(body).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct), "no PUBACK from DPS", cancellationToken);
        try
        {
            return await waiter.Task.WaitAsync(TimeSpan.FromSeconds(60), _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new DpsException("DPS did not answer within 60 s", true);
        }
    }

    // One network step under its deadline; MQTTnet applies its own timeout only to a token that cannot be cancelled.
    private async Task<T> Step<T>(Func<CancellationToken, Task<T>> step, string what, CancellationToken cancellationToken)
    {
        using var deadline = new Mqtt.StepDeadline(StepTimeout, _time, cancellationToken);
        try
        {
            return await step(deadline.Token);
        }
        catch (Exception ex) when (deadline.Token.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new DpsException($"{what} within {StepTimeout.TotalSeconds:0} s: {ex.Message}", true);
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException)
        {
            throw new DpsException("DPS unreachable: " + ex.Message, true);
        }
    }

    private static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
