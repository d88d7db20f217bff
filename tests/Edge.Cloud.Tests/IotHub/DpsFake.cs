using System.Collections.Concurrent;
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
/// A Device Provisioning Service fake over TLS: checks the DPS user name (no <c>?</c>) and the registration SAS
/// (sr = <c>{scope}/registrations/{id}</c>, skn = <c>registration</c>) against the enrollment's key, answers the
/// register request with 202 and <c>retry-after</c>, keeps a poll at 202 once, then assigns the device to a hub.
/// </summary>
internal sealed class DpsFake : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly ConcurrentDictionary<string, int> _polls = new();

    private DpsFake(MqttServer server, int port, string scope, Func<string, string?> keyOf, string assignedHub)
    {
        _server = server;
        Port = port;
        server.ValidatingConnectionAsync += e =>
        {
            string? key = keyOf(e.ClientId);
            string sr = Uri.EscapeDataString($"{scope}/registrations/{e.ClientId}");
            var sas = e.Password?.Replace("SharedAccessSignature ", "", StringComparison.Ordinal).Split('&').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]) ?? [];
            bool ok = e.ProtocolVersion == MqttProtocolVersion.V311
                && key is not null
                && e.UserName == $"{scope}/registrations/{e.ClientId}/api-version={IotHubTopics.DpsApiVersion}"
                && sas.GetValueOrDefault("sr") == sr
                && sas.GetValueOrDefault("skn") == "registration"
                && long.TryParse(sas.GetValueOrDefault("se"), out long se)
                && Uri.UnescapeDataString(sas.GetValueOrDefault("sig") ?? "") == SasToken.Sign(sr, key, se);
            if (!ok)
            {
                Interlocked.Increment(ref Refused);
                e.ReasonCode = MqttConnectReasonCode.NotAuthorized;
            }

            return Task.CompletedTask;
        };
        server.InterceptingPublishAsync += e =>
        {
            if (e.ClientId == "$dps" || string.IsNullOrEmpty(e.ClientId))
            {
                return Task.CompletedTask;
            }

            e.ProcessPublish = false;
            string topic = e.ApplicationMessage.Topic;
            string rid = IotHubTopics.ParseBag(topic[(topic.IndexOf('?', StringComparison.Ordinal) + 1)..]).GetValueOrDefault("$rid") ?? "";
            if (topic.StartsWith("$dps/registrations/PUT/iotdps-register/?", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref Registrations);
                string body = Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload));
                RegisterBodies.Enqueue(body);
                _ = Inject($"$dps/registrations/res/202/?$rid={rid}&retry-after=1", new JsonObject { ["operationId"] = "op-" + e.ClientId, ["status"] = "assigning" });
            }
            else if (topic.StartsWith("$dps/registrations/GET/iotdps-get-operationstatus/?", StringComparison.Ordinal))
            {
                // Header name in another case on purpose: clients must match retry-after case-insensitively.
                _ = _polls.AddOrUpdate(e.ClientId, 1, (_, n) => n + 1) == 1
                    ? Inject($"$dps/registrations/res/202/?Retry-After=1&$rid={rid}", new JsonObject { ["operationId"] = "op-" + e.ClientId, ["status"] = "assigning" })
                    : Inject($"$dps/registrations/res/200/?$rid={rid}", new JsonObject
                    {
                        ["operationId"] = "op-" + e.ClientId,
                        ["status"] = "assigned",
                        ["registrationState"] = new JsonObject { ["registrationId"] = e.ClientId, ["assignedHub"] = assignedHub, ["deviceId"] = e.ClientId, ["status"] = "assigned", ["substatus"] = "initialAssignment" },
                    });
            }
            else
            {
                e.CloseConnection = true;
            }

            return Task.CompletedTask;
        };
    }

    public int Port { get; }

    public int Registrations;

    public int Refused;

    public ConcurrentQueue<string> RegisterBodies { get; } = new();

    public static async Task<DpsFake> StartAsync(TestCertificate cert, string scope, Func<string, string?> keyOf, string assignedHub)
    {
        int port = Mosquitto.FreePort();
        MqttServerOptions options = new MqttServerOptionsBuilder().WithoutDefaultEndpoint().WithEncryptedEndpoint().WithEncryptedEndpointPort(port).WithEncryptionCertificate(cert.Certificate).Build();
        var fake = new DpsFake(new MqttServerFactory().CreateMqttServer(options), port, scope, keyOf, assignedHub);
        await fake._server.StartAsync();
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(new MqttServerStopOptionsBuilder().Build());
        _server.Dispose();
    }

    private Task Inject(string topic, JsonObject body) =>
        _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(new MqttApplicationMessageBuilder()
            .WithTopic(topic).WithPayload(body.ToJsonString()).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build()) { SenderClientId = "$dps" });
}
