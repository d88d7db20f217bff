using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Edge.Cloud.Mqtt;
using Edge.Cloud.Outbox;
using Edge.Cloud.Transport;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Edge.Cloud.IotHub;

/// <summary>
/// Azure IoT Hub over MQTT 3.1.1 without the Azure SDK, following Microsoft's documented protocol: SAS (renewed by
/// reconnecting before expiry) or X.509, telemetry with a property bag, cloud-to-device messages, twin GET after
/// every connect, reported-property PATCH, desired-property notifications and direct methods. It keeps to the hub's
/// rules: QoS 0/1 only, no retain, four subscriptions, 256 KB per message.
/// </summary>
public sealed class IotHubTransport : LinkedTransport
{
    /// <summary>The hub's limit for one device-to-cloud message, body and properties together.</summary>
    public const int MaxMessageBytes = 256 * 1024;

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private readonly IotHubOptions _options;
    private readonly string _assignmentFile;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<(int Status, long? Version, byte[] Body)>> _pending = new();
    private readonly string _dataKind;
    private int _rid;
    private string _host = "";
    private string _deviceId = "";

    /// <summary>Creates the transport; the DPS assignment (if DPS is used) is cached in <paramref name="assignmentFile"/>.</summary>
    /// <param name="options">Hub or DPS settings.</param>
    /// <param name="assignmentFile">Cache of the DPS assignment.</param>
    /// <param name="backoff">Reconnect delays.</param>
    /// <param name="time">Clock.</param>
    /// <param name="limits">Inbound size limits.</param>
    /// <param name="dataKind">The <c>kind</c> application property of cloud-to-device messages that carry pushed data (<c>kind=command</c> carries commands).</param>
    public IotHubTransport(IotHubOptions options, string assignmentFile, Backoff? backoff = null, TimeProvider? time = null, InboundLimits? limits = null, string dataKind = "data")
        : base(backoff, time, limits)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        if (options.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        _assignmentFile = assignmentFile;
        _time = time ?? TimeProvider.System;
        _dataKind = dataKind;

        // Desired updates are only pushed while connected: after every connect, read the whole twin and reconcile
        // by $version. Started once the link reports itself connected (after the on-connect steps), not from
        // within them: a request made between SUBACK and that moment would be refused as "not connected" and the
        // twin never read on this connection. Not awaited: it may outlive the connection.
        Link.Connected += () =>
        {
            CancellationToken stopping = Stopping;
            _ = Task.Run(() => ReconcileTwinAsync(stopping), CancellationToken.None);
        };
    }

    /// <summary>Device id in use (assigned by DPS or configured).</summary>
    public string DeviceId => _deviceId;

    /// <summary>Hub in use.</summary>
    public string HostName => _host;

    /// <summary>Times the DPS assignment was requested (cached assignments do not count).</summary>
    public int Provisionings { get; private set; }

    /// <summary>Creates the transport for the gateway, caching a DPS assignment beside the database.</summary>
    public static IotHubTransport Create(IotHubOptions options, string dataDir, TimeProvider? time = null, InboundLimits? limits = null, string dataKind = "data") =>
        new(options, Path.Combine(dataDir, "dps-assignment.json"), time: time, limits: limits, dataKind: dataKind);

    /// <inheritdoc />
    public override Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        string topic = IotHubTopics.Telemetry(_deviceId, [
            new("$.mid", message.MessageId),
            new("$.ct", "application/json"),
            new("$.ce", "utf-8"),
            new("type", message.Type),
            new("stream", message.Stream),
            new("seq", message.Seq.ToString(CultureInfo.InvariantCulture)),
        ]);
        byte[] body = Envelope.Wrap(message);
        if (body.Length + topic.Length > MaxMessageBytes)
        {
            // The hub would drop the connection; this message can never be sent as it is.
            throw new PermanentlyRefusedException($"message {message.MessageId} is {body.Length + topic.Length} bytes; IoT Hub accepts {MaxMessageBytes}");
        }

        return Link.PublishAtLeastOnceAsync(topic, body, retain: false, contentType: null, cancellationToken);
    }

    /// <inheritdoc />
    public override async Task ReportAsync(long desiredVersion, JsonObject reported, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reported);

        // Twin property names may not contain '$' (nor '.', spaces or control characters): the applied desired
        // version is reported as "desiredVersion".
        var patch = new JsonObject { ["desiredVersion"] = desiredVersion };
        foreach ((string key, JsonNode? value) in reported)
        {
            patch[key] = value?.DeepClone();
        }

        (int status, _, _) = await RequestAsync(IotHubTopics.TwinPatchReported, JsonSerializer.SerializeToUtf8Bytes(patch), cancellationToken);
        if (status is not (200 or 204))
        {
            throw new CloudUnavailableException($"reported properties not accepted: {status}");
        }
    }

    /// <summary>The health summary as the <c>health</c> reported property (one PATCH; the rest of the twin is untouched).</summary>
    public override async Task<bool> ReportHealthAsync(JsonObject health, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(health);
        (int status, _, _) = await RequestAsync(IotHubTopics.TwinPatchReported, JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["health"] = health.DeepClone() }), cancellationToken);
        return status is 200 or 204 ? true : throw new CloudUnavailableException($"reported health not accepted: {status}");
    }

    /// <summary>Reads the full twin; retries 429 and 5xx with backoff. Returns its <c>desired</c> section.</summary>
    public async Task<byte[]> GetDesiredAsync(CancellationToken cancellationToken)
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        for (int attempt = 1; ; attempt++)
        {
            (int status, _, byte[] body) = await RequestAsync(IotHubTopics.TwinGet, [], cancellationToken);
            if (status == 200)
            {
                using JsonDocument twin = JsonDocument.Parse(body);
                return twin.RootElement.TryGetProperty("desired", out JsonElement desired) ? Encoding.UTF8.GetBytes(desired.GetRawText()) : "{}"u8.ToArray();
            }

            if (status != 429 && status < 500)
            {
                throw new CloudUnavailableException($"twin GET answered {status}");
            }

            // Throttled or server error: the hub asks us to slow down.
            await Task.Delay(backoff.Next(attempt), _time, cancellationToken);
        }
    }

    /// <inheritdoc />
    protected override async Task<MqttConnectPlan> PlanAsync(CancellationToken cancellationToken)
    {
        string? key = _options.DeviceKey;
        if (_options.UsesDps)
        {
            var dps = new DpsClient(_options, _time);
            DpsAssignment? assignment = LoadAssignment();
            if (assignment is null)
            {
                Provisionings++;
                try
                {
                    assignment = await dps.RegisterAsync(cancellationToken);
                }
                catch (DpsException ex)
                {
                    // Still retried (the enrollment may be fixed in the cloud), but the operator is told what to check.
                    throw new CloudUnavailableException(ex.Retriable ? ex.Message : ex.Message + "; retrying cannot help until Cloud:IotHub:DpsIdScope, DpsRegistrationId or the enrollment key is corrected", ex);
                }

                SaveAssignment(assignment);
            }

            (_host, _deviceId, key) = (assignment.AssignedHub, assignment.DeviceId, dps.DeviceKey);
        }
        else
        {
            (_host, _deviceId) = (_options.HostName!, _options.DeviceId!);
        }

        MqttClientOptionsBuilder b = new MqttClientOptionsBuilder()
            .WithTcpServer(_host, _options.Port)
            .WithClientId(_deviceId)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession(false) // keep cloud-to-device messages queued while offline
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(30))
            .WithTlsOptions(tls => TlsSetup.Configure(tls, _host, _options.CaFile, _options.CertFile, _options.KeyFile));
        DateTimeOffset? renew = null;
        if (!string.IsNullOrEmpty(key))
        {
            DateTimeOffset expiry = _time.GetUtcNow().AddMinutes(_options.SasTtlMinutes);
            b.WithCredentials(IotHubTopics.UserName(_host, _deviceId), SasToken.Create($"{_host}/devices/{_deviceId}", key, expiry.ToUnixTimeSeconds()));
            // MQTT 3.1.1 cannot re-authenticate in band: reconnect with a fresh token before this one expires.
            renew = expiry.AddSeconds(-_options.RenewBeforeSeconds);
        }
        else
        {
            b.WithCredentials(IotHubTopics.UserName(_host, _deviceId), (string?)null);
        }

        return new MqttConnectPlan(b.Build(), renew);
    }

    /// <inheritdoc />
    protected override async Task OnConnectedAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        // Four subscriptions; the hub allows five and disconnects on more.
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(IotHubTopics.CloudToDevice(_deviceId), MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(IotHubTopics.TwinResponses, MqttQualityOfServiceLevel.AtMostOnce)
            .WithTopicFilter(IotHubTopics.TwinDesired, MqttQualityOfServiceLevel.AtMostOnce)
            .WithTopicFilter(IotHubTopics.Methods, MqttQualityOfServiceLevel.AtMostOnce)
            .Build(), cancellationToken);
    }

    private async Task ReconcileTwinAsync(CancellationToken cancellationToken)
    {
        try
        {
            byte[] desired = await GetDesiredAsync(cancellationToken);
            await EnqueueInboundAsync(new CloudInbound(InboundKind.DesiredConfig, "twin", desired, null, (_, _) => Task.CompletedTask));
        }
        catch (Exception ex) when (ex is CloudUnavailableException or OperationCanceledException or TimeoutException or JsonException or InvalidOperationException)
        {
            // The next connect tries again.
        }
    }

    /// <inheritdoc />
    protected override void OnConnectionLost(string reason)
    {
        // A hub that refuses the credentials of a cached DPS assignment may have moved the device: provision again.
        if (_options.UsesDps && (reason.Contains("NotAuthorized", StringComparison.Ordinal) || reason.Contains("BadUserNameOrPassword", StringComparison.Ordinal)))
        {
            File.Delete(_assignmentFile);
        }

        foreach (string rid in _pending.Keys)
        {
            if (_pending.TryRemove(rid, out var waiter))
            {
                waiter.TrySetException(new CloudUnavailableException("connection lost"));
            }
        }
    }

    private async Task<(int Status, long? Version, byte[] Body)> RequestAsync(Func<string, string> topic, byte[] body, CancellationToken cancellationToken)
    {
        string rid = Interlocked.Increment(ref _rid).ToString(CultureInfo.InvariantCulture);
        var waiter = new TaskCompletionSource<(int, long?, byte[])>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[rid] = waiter;
        try
        {
            await Link.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic(rid)).WithPayload(body).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce).Build(), cancellationToken);
            return await waiter.Task.WaitAsync(RequestTimeout, _time, cancellationToken);
        }
        finally
        {
            _pending.TryRemove(rid, out _);
        }
    }

    /// <inheritdoc />
    protected override bool TryHandleInline(MqttApplicationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (IotHubTopics.ParseTwinResponse(message.Topic) is not { } response)
        {
            return false;
        }

        // The answer to a twin request completes its waiter at once: the request may come from a handler on the
        // inbound loop (a reported PATCH after a desired patch), which would otherwise wait for itself.
        if (_pending.TryRemove(response.Rid, out var waiter))
        {
            waiter.TrySetResult((response.Status, response.Version, System.Buffers.BuffersExtensions.ToArray(message.Payload)));
        }

        return true;
    }

    /// <inheritdoc />
    protected override async Task HandleAsync(MqttApplicationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        string topic = message.Topic;
        long length = message.Payload.Length;
        if (IotHubTopics.ParseDesiredPatch(topic) is not null)
        {
            if (await AdmitAsync(InboundKind.DesiredConfig, "twin", length, null))
            {
                await RaiseInboundAsync(new CloudInbound(InboundKind.DesiredConfig, "twin", Payload(message), null, (_, _) => Task.CompletedTask));
            }
        }
        else if (IotHubTopics.ParseMethod(topic) is { } method)
        {
            Func<CloudReply, CancellationToken, Task> reply = (r, ct) =>
                Link.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(IotHubTopics.MethodResponse(r.Status, method.Rid)).WithPayload(r.Body).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce).Build(), ct);
            if (await AdmitAsync(InboundKind.Command, method.Name, length, reply))
            {
                await RaiseInboundAsync(new CloudInbound(InboundKind.Command, method.Name, Payload(message), method.Rid, reply));
            }
        }
        else if (IotHubTopics.ParseCloudToDevice(topic, _deviceId) is { } bag)
        {
            // kind=command (or the data kind) and name=… travel as application properties; a command's reply goes up
            // as telemetry of type CommandReply correlated by $.cid (C2D has no response channel).
            string? kind = bag.GetValueOrDefault("kind");
            string? name = bag.GetValueOrDefault("name");
            string? correlation = bag.GetValueOrDefault("$.cid") ?? bag.GetValueOrDefault("$.mid");
            if (name is null || (kind != "command" && kind != _dataKind))
            {
                return;
            }

            InboundKind what = kind == "command" ? InboundKind.Command : InboundKind.Data;
            Func<CloudReply, CancellationToken, Task> reply = (r, ct) => ReplyAsTelemetryAsync(correlation, r, ct);
            if (await AdmitAsync(what, name, length, reply))
            {
                await RaiseInboundAsync(new CloudInbound(what, name, Payload(message), correlation, reply));
            }
        }
    }

    private static byte[] Payload(MqttApplicationMessage message) => System.Buffers.BuffersExtensions.ToArray(message.Payload);

    private Task ReplyAsTelemetryAsync(string? correlationId, CloudReply reply, CancellationToken cancellationToken)
    {
        string topic = IotHubTopics.Telemetry(_deviceId, [
            new("$.cid", correlationId),
            new("$.ct", "application/json"),
            new("$.ce", "utf-8"),
            new("type", "CommandReply"),
            new("status", reply.Status.ToString(CultureInfo.InvariantCulture)),
        ]);
        return Link.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(reply.Body).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
    }

    private DpsAssignment? LoadAssignment()
    {
        try
        {
            return File.Exists(_assignmentFile) ? JsonSerializer.Deserialize<DpsAssignment>(File.ReadAllText(_assignmentFile)) : null;
        }
        catch (JsonException)
        {
            return null; // a damaged cache only costs one registration
        }
    }

    private void SaveAssignment(DpsAssignment assignment)
    {
        string temp = _assignmentFile + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(assignment));
        File.Move(temp, _assignmentFile, overwrite: true);
    }
}
