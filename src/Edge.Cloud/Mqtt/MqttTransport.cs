using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Edge.Cloud.Outbox;
using Edge.Cloud.Transport;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Edge.Cloud.Mqtt;

/// <summary>The cloud over a plain MQTT broker, with the topic scheme of <see cref="MqttTopics"/>.</summary>
public sealed class MqttTransport : LinkedTransport
{
    private static readonly byte[] Offline = Encoding.UTF8.GetBytes("{\"state\":\"offline\"}");
    private static readonly byte[] Online = Encoding.UTF8.GetBytes("{\"state\":\"online\"}");

    private readonly MqttOptions _options;
    private readonly MqttTopics _topics;
    private readonly string _clientId;
    private readonly bool _v5;

    // Every write of the status topic after the birth goes through this gate, and the goodbye closes it: a health
    // summary in flight at shutdown cannot land after the offline status and leave the gateway retained as online.
    private readonly SemaphoreSlim _status = new(1, 1);
    private byte[] _online = Online;
    private bool _closed;

    /// <summary>Creates the transport; <see cref="LinkedTransport.RunAsync"/> connects.</summary>
    /// <param name="options">Broker settings.</param>
    /// <param name="topics">The gateway's topics.</param>
    /// <param name="clientId">Client id when <see cref="MqttOptions.ClientId"/> is not set.</param>
    /// <param name="backoff">Reconnect delays.</param>
    /// <param name="time">Clock.</param>
    /// <param name="limits">Inbound size limits.</param>
    public MqttTransport(MqttOptions options, MqttTopics topics, string clientId, Backoff? backoff = null, TimeProvider? time = null, InboundLimits? limits = null)
        : base(backoff, time, limits)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        if (options.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        _topics = topics ?? throw new ArgumentNullException(nameof(topics));
        _clientId = string.IsNullOrWhiteSpace(options.ClientId) ? clientId : options.ClientId;
        _v5 = options.ProtocolVersion == "5";
    }

    /// <summary>The topic scheme in use.</summary>
    public MqttTopics Topics => _topics;

    /// <inheritdoc />
    public override Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);

        // MQTT 5 properties only on an MQTT 5 connection.
        return Link.PublishAtLeastOnceAsync(_topics.Event(message.Type), Envelope.Wrap(message), retain: false, _v5 ? "application/json" : null, cancellationToken);
    }

    /// <inheritdoc />
    public override Task ReportAsync(long desiredVersion, JsonObject reported, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reported);

        // On our own topic scheme the applied desired version travels as "$version", mirroring config/desired.
        var body = new JsonObject { ["$version"] = desiredVersion };
        foreach ((string key, JsonNode? value) in reported)
        {
            body[key] = value?.DeepClone();
        }

        return Link.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(_topics.ConfigReported)
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(body))
            .WithRetainFlag()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellationToken);
    }

    /// <inheritdoc />
    public override async Task<bool> PublishStateAsync(string name, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        MqttApplicationMessageBuilder b = new MqttApplicationMessageBuilder()
            .WithTopic(_topics.State(name))
            .WithPayload(payload.ToArray())
            .WithRetainFlag()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (_v5)
        {
            b.WithContentType("application/json");
        }

        await Link.PublishAsync(b.Build(), cancellationToken);
        return true;
    }

    /// <summary>
    /// The status topic keeps its contract (<c>state</c> is <c>online</c> or <c>offline</c>; the will and the goodbye are
    /// unchanged) and, while online, carries the summary too: <c>{"state":"online","health":{…}}</c>. The birth message
    /// of every later connect repeats the latest one, so a reconnect never retains a status without it.
    /// </summary>
    public override async Task<bool> ReportHealthAsync(JsonObject health, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(health);
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["state"] = "online", ["health"] = health.DeepClone() });
        Volatile.Write(ref _online, payload);
        await _status.WaitAsync(cancellationToken);
        try
        {
            if (!_closed)
            {
                await Link.PublishAsync(StatusMessage(payload), cancellationToken);
            }
        }
        finally
        {
            _status.Release();
        }

        return true;
    }

    /// <inheritdoc />
    protected override Task<MqttConnectPlan> PlanAsync(CancellationToken cancellationToken)
    {
        int port = _options.Port != 0 ? _options.Port : _options.UseTls ? 8883 : 1883;
        MqttClientOptionsBuilder b = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, port)
            .WithClientId(_clientId)
            .WithProtocolVersion(_options.ProtocolVersion == "5" ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithCleanSession(!_options.PersistentSession)
            .WithWillTopic(_topics.Status)
            .WithWillPayload(Offline)
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (_v5)
        {
            if (_options.PersistentSession)
            {
                b.WithSessionExpiryInterval(3600);
            }

            // The broker must not send a packet larger than the largest payload accepted (plus topic and
            // properties): it drops it instead of making the gateway buffer it.
            b.WithMaximumPacketSize((uint)Limits.Largest + (64 * 1024));
        }

        if (!string.IsNullOrEmpty(_options.Username))
        {
            b.WithCredentials(_options.Username, _options.Password ?? "");
        }

        if (_options.UseTls)
        {
            b.WithTlsOptions(tls => TlsSetup.Configure(tls, _options.Host, _options.CaFile, _options.ClientCertFile, _options.ClientKeyFile));
        }

        return Task.FromResult(new MqttConnectPlan(b.Build()));
    }

    // A clean DISCONNECT suppresses the will, so say goodbye explicitly.
    /// <inheritdoc />
    protected override async Task OnClosingAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        await _status.WaitAsync(cancellationToken);
        try
        {
            _closed = true;
            await client.PublishAsync(StatusMessage(Offline), cancellationToken);
        }
        finally
        {
            _status.Release();
        }
    }

    /// <inheritdoc />
    protected override async Task OnConnectedAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        // Subscribe on every connect: a clean session forgets subscriptions, and a persistent one may have expired.
        MqttClientSubscribeOptionsBuilder subscribe = new MqttClientFactory().CreateSubscribeOptionsBuilder();
        foreach (string filter in _topics.Subscriptions)
        {
            subscribe.WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await client.SubscribeAsync(subscribe.Build(), cancellationToken);
        await client.PublishAsync(StatusMessage(Volatile.Read(ref _online)), cancellationToken);
    }

    private MqttApplicationMessage StatusMessage(byte[] payload) => new MqttApplicationMessageBuilder()
        .WithTopic(_topics.Status)
        .WithPayload(payload)
        .WithRetainFlag()
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();

    /// <inheritdoc />
    protected override async Task HandleAsync(MqttApplicationMessage message)
    {
        if (_topics.Classify(message.Topic) is not { } what)
        {
            return;
        }

        string? propertyCorrelation = message.CorrelationData is { Length: > 0 } data ? Encoding.UTF8.GetString(data) : null;
        if (!await AdmitAsync(what.Kind, what.Name, message.Payload.Length, (reply, ct) => ReplyAsync(propertyCorrelation, reply, ct)))
        {
            return;
        }

        byte[] payload = System.Buffers.BuffersExtensions.ToArray(message.Payload);
        string? correlationId = propertyCorrelation ?? CorrelationIdOf(payload);
        var inbound = new CloudInbound(what.Kind, what.Name, payload, correlationId, (reply, ct) => ReplyAsync(correlationId, reply, ct));
        await RaiseInboundAsync(inbound);
    }

    private Task ReplyAsync(string? correlationId, CloudReply reply, CancellationToken cancellationToken)
    {
        // {"correlationId":…,"status":…,"body":…} so a plain 3.1.1 client can match replies without MQTT 5 properties.
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("correlationId", correlationId);
            w.WriteNumber("status", reply.Status);
            w.WritePropertyName("body");
            w.WriteRawValue(reply.Body);
            w.WriteEndObject();
        }

        MqttApplicationMessageBuilder b = new MqttApplicationMessageBuilder()
            .WithTopic(_topics.Replies)
            .WithPayload(stream.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (correlationId is not null && _v5)
        {
            b.WithCorrelationData(Encoding.UTF8.GetBytes(correlationId));
        }

        return Link.PublishAsync(b.Build(), cancellationToken);
    }

    // Commands carry their correlation id in the JSON body ("correlationId"), since MQTT 3.1.1 has no properties.
    // A payload that is not valid UTF-8 has no id that could be echoed faithfully: its reply carries none.
    private static string? CorrelationIdOf(byte[] payload)
    {
        if (!System.Text.Unicode.Utf8.IsValid(payload))
        {
            return null;
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(payload);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("correlationId", out JsonElement id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
