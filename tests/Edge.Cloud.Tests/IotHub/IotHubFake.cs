using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Edge.Cloud.IotHub;
using Edge.Cloud.Tests.Brokers;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Edge.Cloud.Tests.IotHub;

/// <summary>
/// An IoT Hub conformance fake on MQTTnet's broker, over TLS. It enforces what Microsoft documents for devices on
/// MQTT: MQTT 3.1.1; the user name <c>{host}/{deviceId}/?api-version=…</c>; a SAS token whose signature it
/// recomputes from the device key and whose expiry it checks; only the documented topics; QoS 0/1 (QoS 2 closes
/// the connection); at most five subscriptions; 256 KB per message. A violation is recorded and, where the hub
/// does, the connection is closed. It answers twin GET/PATCH, pushes desired updates, invokes methods and sends C2D.
/// </summary>
internal sealed class IotHubFake : IAsyncDisposable
{
    public const string Host = "localhost";
    private readonly MqttServer _server;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<(int, string)>> _methodCalls = new();
    private readonly ConcurrentDictionary<string, int> _subscriptions = new();
    private long _desiredVersion = 1;
    private long _reportedVersion = 1;
    private int _rid;

    private IotHubFake(MqttServer server, int port, Dictionary<string, string> devices)
    {
        _server = server;
        Port = port;
        Devices = devices;
        server.ValidatingConnectionAsync += ValidateAsync;
        server.InterceptingSubscriptionAsync += OnSubscribeAsync;
        server.InterceptingPublishAsync += OnPublishAsync;
    }

    public int Port { get; }

    /// <summary>Registered device ids and their keys (base64).</summary>
    public Dictionary<string, string> Devices { get; }

    public ConcurrentQueue<string> Violations { get; } = new();

    public ConcurrentQueue<(string DeviceId, Dictionary<string, string?> Properties, string Body)> Telemetry { get; } = new();

    /// <summary>Expiry (se) of each accepted token, in connection order.</summary>
    public ConcurrentQueue<long> AcceptedTokenExpiries { get; } = new();

    public int Refused;

    /// <summary>Twin GETs to answer with 429 before answering 200.</summary>
    public int ThrottleTwinGets;

    public int TwinGets;

    public JsonObject Desired { get; } = new() { ["$version"] = 1 };

    public JsonObject Reported { get; } = new() { ["$version"] = 1 };

    public static async Task<IotHubFake> StartAsync(TestCertificate cert, Dictionary<string, string> devices)
    {
        int port = Mosquitto.FreePort();
        MqttServerOptions options = new MqttServerOptionsBuilder()
            .WithoutDefaultEndpoint()
            .WithEncryptedEndpoint()
            .WithEncryptedEndpointPort(port)
            .WithEncryptionCertificate(cert.Certificate)
            .Build();
        var fake = new IotHubFake(new MqttServerFactory().CreateMqttServer(options), port, devices);
        await fake._server.StartAsync();
        return fake;
    }

    public int SubscriptionsOf(string deviceId) => _subscriptions.GetValueOrDefault(deviceId);

    /// <summary>The service updates desired properties; the device gets the patch if connected.</summary>
    public Task UpdateDesiredAsync(JsonObject patch)
    {
        long version;
        lock (Desired)
        {
            version = ++_desiredVersion;
            foreach ((string k, JsonNode? v) in patch)
            {
                Desired[k] = v?.DeepClone();
            }

            Desired["$version"] = version;
            patch["$version"] = version;
        }

        return InjectAsync($"$iothub/twin/PATCH/properties/desired/?$version={version}", patch.ToJsonString());
    }

    /// <summary>The service invokes a direct method and waits for the device's response.</summary>
    public async Task<(int Status, string Body)> InvokeMethodAsync(string name, string payload, TimeSpan timeout)
    {
        string rid = Interlocked.Increment(ref _rid).ToString("x", CultureInfo.InvariantCulture);
        var waiter = new TaskCompletionSource<(int, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _methodCalls[rid] = waiter;
        await InjectAsync($"$iothub/methods/POST/{Uri.EscapeDataString(name)}/?$rid={rid}", payload);
        return await waiter.Task.WaitAsync(timeout);
    }

    /// <summary>The service sends a cloud-to-device message.</summary>
    public Task SendCloudToDeviceAsync(string deviceId, IEnumerable<KeyValuePair<string, string?>> properties, string payload) =>
        InjectAsync($"devices/{deviceId}/messages/devicebound/{IotHubTopics.FormatBag(properties)}", payload);

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(new MqttServerStopOptionsBuilder().Build());
        _server.Dispose();
    }

    private Task InjectAsync(string topic, string payload) =>
        _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(new MqttApplicationMessageBuilder()
            .WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build()) { SenderClientId = "$hub" });

    private Task ValidateAsync(ValidatingConnectionEventArgs e)
    {
        if (e.ProtocolVersion != MqttProtocolVersion.V311)
        {
            return Refuse(e, MqttConnectReasonCode.UnsupportedProtocolVersion, $"protocol {e.ProtocolVersion}");
        }

        if (!Devices.TryGetValue(e.ClientId, out string? key))
        {
            return Refuse(e, MqttConnectReasonCode.ClientIdentifierNotValid, $"unknown device '{e.ClientId}'");
        }

        if (e.UserName != $"{Host}/{e.ClientId}/?api-version={IotHubTopics.ApiVersion}")
        {
            return Refuse(e, MqttConnectReasonCode.BadUserNameOrPassword, $"user name '{e.UserName}'");
        }

        Dictionary<string, string?> sas = ParseSas(e.Password);
        string expectedSr = Uri.EscapeDataString($"{Host}/devices/{e.ClientId}");
        if (sas.GetValueOrDefault("sr") is not { } sr || !sr.Equals(expectedSr, StringComparison.OrdinalIgnoreCase)
            || !long.TryParse(sas.GetValueOrDefault("se"), out long se) || sas.GetValueOrDefault("sig") is not { } sig)
        {
            return Refuse(e, MqttConnectReasonCode.BadUserNameOrPassword, "malformed SAS token");
        }

        if (se <= DateTimeOffset.UtcNow.ToUnixTimeSeconds())
        {
            return Refuse(e, MqttConnectReasonCode.NotAuthorized, "expired SAS token");
        }

        // Recompute the signature over exactly the sr value that was sent.
        if (Uri.UnescapeDataString(sig) != SasToken.Sign(sr, key, se))
        {
            return Refuse(e, MqttConnectReasonCode.NotAuthorized, "signature mismatch");
        }

        AcceptedTokenExpiries.Enqueue(se);
        _subscriptions[e.ClientId] = 0;
        return Task.CompletedTask;
    }

    private Task Refuse(ValidatingConnectionEventArgs e, MqttConnectReasonCode code, string why)
    {
        Interlocked.Increment(ref Refused);
        e.ReasonCode = code;
        RefusalReasons.Enqueue(why);
        return Task.CompletedTask;
    }

    public ConcurrentQueue<string> RefusalReasons { get; } = new();

    private Task OnSubscribeAsync(InterceptingSubscriptionEventArgs e)
    {
        string filter = e.TopicFilter.Topic;
        bool allowed = filter == $"devices/{e.ClientId}/messages/devicebound/#" || filter is IotHubTopics.TwinResponses or IotHubTopics.TwinDesired or IotHubTopics.Methods;
        int count = _subscriptions.AddOrUpdate(e.ClientId, 1, (_, n) => n + 1);
        if (!allowed || count > 5)
        {
            Violations.Enqueue(allowed ? $"subscription {count} (max 5)" : $"undocumented filter '{filter}'");
            e.CloseConnection = true;
            e.ProcessSubscription = false;
        }

        return Task.CompletedTask;
    }

    private Task OnPublishAsync(InterceptingPublishEventArgs e)
    {
        if (e.ClientId == "$hub" || string.IsNullOrEmpty(e.ClientId))
        {
            return Task.CompletedTask; // our own injected messages
        }

        MqttApplicationMessage m = e.ApplicationMessage;
        e.ProcessPublish = false; // the hub is not a broker: nothing a device publishes is routed to other clients
        string topic = m.Topic;
        string body = Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(m.Payload));
        if (m.QualityOfServiceLevel == MqttQualityOfServiceLevel.ExactlyOnce)
        {
            return Violate(e, "QoS 2 publish", close: true);
        }

        if (m.Retain)
        {
            Violations.Enqueue("retained publish (the hub forwards it with mqtt-retain, it does not store it)");
        }

        if (m.Payload.Length + topic.Length > IotHubTransport.MaxMessageBytes)
        {
            return Violate(e, $"message of {m.Payload.Length} bytes", close: true);
        }

        string events = $"devices/{e.ClientId}/messages/events/";
        if (topic.StartsWith(events, StringComparison.Ordinal))
        {
            Telemetry.Enqueue((e.ClientId, IotHubTopics.ParseBag(topic[events.Length..]), body));
        }
        else if (topic.StartsWith("$iothub/twin/GET/?", StringComparison.Ordinal) && Rid(topic) is { } getRid)
        {
            Interlocked.Increment(ref TwinGets);
            if (Interlocked.Decrement(ref ThrottleTwinGets) >= 0)
            {
                _ = InjectAsync($"$iothub/twin/res/429/?$rid={getRid}", "");
            }
            else
            {
                string twin;
                lock (Desired)
                {
                    twin = new JsonObject { ["desired"] = Desired.DeepClone(), ["reported"] = Reported.DeepClone() }.ToJsonString();
                }

                _ = InjectAsync($"$iothub/twin/res/200/?$rid={getRid}", twin);
            }
        }
        else if (topic.StartsWith("$iothub/twin/PATCH/properties/reported/?", StringComparison.Ordinal) && Rid(topic) is { } patchRid)
        {
            if (JsonNode.Parse(body) is not JsonObject patch)
            {
                _ = InjectAsync($"$iothub/twin/res/400/?$rid={patchRid}", "");
                return Task.CompletedTask;
            }

            string? broken = TwinRuleBroken(patch, 1) ?? (body.Length > MaxReportedBytes ? $"reported properties of {body.Length} bytes (max {MaxReportedBytes})" : null);
            if (broken is not null)
            {
                // The hub refuses the whole patch (400004) and changes nothing.
                Violations.Enqueue("reported PATCH refused: " + broken);
                _ = InjectAsync($"$iothub/twin/res/400/?$rid={patchRid}", "{\"errorCode\":400004}");
                return Task.CompletedTask;
            }

            long version;
            lock (Reported)
            {
                foreach ((string k, JsonNode? v) in patch)
                {
                    Reported[k] = v?.DeepClone();
                }

                version = ++_reportedVersion;
                Reported["$version"] = version;
            }

            _ = InjectAsync($"$iothub/twin/res/204/?$rid={patchRid}&$version={version}", "");
        }
        else if (topic.StartsWith("$iothub/methods/res/", StringComparison.Ordinal) && Rid(topic) is { } methodRid
            && int.TryParse(topic.AsSpan("$iothub/methods/res/".Length, topic.IndexOf("/?", StringComparison.Ordinal) - "$iothub/methods/res/".Length), out int status))
        {
            if (_methodCalls.TryRemove(methodRid, out var waiter))
            {
                waiter.TrySetResult((status, body));
            }
        }
        else
        {
            return Violate(e, $"publish to undocumented topic '{topic}'", close: true);
        }

        return Task.CompletedTask;
    }

    /// <summary>The hub's limit on the reported-properties document.</summary>
    public const int MaxReportedBytes = 32 * 1024;

    private const int MaxTwinDepth = 10;

    // The device-twin rules for property names: UTF-8, case-sensitive, at most 1 KB, and none of '$', '.', space or
    // a C0/C1 control character; objects at most 10 deep. ('$'-names are the hub's own: $version, $metadata.)
    private static string? TwinRuleBroken(JsonObject node, int depth)
    {
        if (depth > MaxTwinDepth)
        {
            return $"nested deeper than {MaxTwinDepth}";
        }

        foreach ((string key, JsonNode? value) in node)
        {
            if (key.Length == 0 || Encoding.UTF8.GetByteCount(key) > 1024 || key.Any(c => c is '$' or '.' or ' ' || char.IsControl(c)))
            {
                return $"property name '{key}' (no '$', '.', space or control characters, at most 1 KB)";
            }

            if (value is JsonObject child && TwinRuleBroken(child, depth + 1) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }

    private Task Violate(InterceptingPublishEventArgs e, string what, bool close)
    {
        Violations.Enqueue(what);
        e.CloseConnection = close;
        return Task.CompletedTask;
    }

    private static string? Rid(string topic)
    {
        int q = topic.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? null : IotHubTopics.ParseBag(topic[(q + 1)..]).GetValueOrDefault("$rid");
    }

    private static Dictionary<string, string?> ParseSas(string? password)
    {
        const string prefix = "SharedAccessSignature ";
        if (password is null || !password.StartsWith(prefix, StringComparison.Ordinal))
        {
            return [];
        }

        // Values stay as sent (still percent-encoded): sr is signed as sent.
        var result = new Dictionary<string, string?>();
        foreach (string part in password[prefix.Length..].Split('&'))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                result[part[..eq]] = part[(eq + 1)..];
            }
        }

        return result;
    }
}
