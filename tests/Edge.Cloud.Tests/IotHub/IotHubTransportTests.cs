using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Edge.Cloud.IotHub;
using Edge.Cloud.Mqtt;
using Edge.Cloud.Outbox;
using Edge.Cloud.Tests.Outbox;
using Edge.Cloud.Transport;
using LiteDB;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Cloud.Tests.IotHub;

public sealed class IotHubTransportTests : IAsyncDisposable
{
    private const string DeviceId = "gw-store-001";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly string DeviceKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("device-key-of-the-test-gateway!!"));
    private readonly TestCertificate _cert = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-hub-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];
    private readonly List<CloudInbound> _inbound = [];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
        _cert.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private IotHubOptions Options(int port, string? key = null) => new()
    {
        HostName = IotHubFake.Host,
        DeviceId = DeviceId,
        DeviceKey = key ?? DeviceKey,
        Port = port,
        CaFile = _cert.CaFile,
    };

    private IotHubTransport Start(IotHubOptions options, TimeProvider? time = null, Func<CloudInbound, Task>? handler = null)
    {
        var transport = new IotHubTransport(options, Path.Combine(_dir, "dps-assignment.json"), new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)), time, dataKind: "store-data");
        transport.Inbound += handler ?? (m =>
        {
            lock (_inbound)
            {
                _inbound.Add(m);
            }

            return Task.CompletedTask;
        });
        _running.Add(transport.RunAsync(_stop.Token));
        return transport;
    }

    private List<CloudInbound> Inbound()
    {
        lock (_inbound)
        {
            return [.. _inbound];
        }
    }

    private static async Task WaitUntil(Func<bool> condition, string what) => await WaitUntil(condition, () => what);

    private static async Task WaitUntil(Func<bool> condition, Func<string> what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Deadline, $"timed out waiting for {what()}");
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }

    [Fact]
    public async Task Telemetry_ThroughTheOutbox_CarriesTheDocumentedPropertyBag_AndBreaksNoHubRule()
    {
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { [DeviceId] = DeviceKey });
        await using IotHubTransport transport = Start(Options(hub.Port));
        using var db = new LiteDatabase(Path.Combine(_dir, "outbox.db"));
        using var outbox = new DurableOutbox(db, new OutboxOptions { Classes = TestClasses.All, CommitInterval = TimeSpan.Zero });
        using var pump = new OutboxPump(outbox, transport, new PumpOptions { RatePerSecond = 0 });
        _running.Add(outbox.RunAsync(_stop.Token));
        _running.Add(pump.RunAsync(_stop.Token));

        OutboxReceipt[] receipts = await Task.WhenAll(Enumerable.Range(0, 25).Select(i =>
            outbox.EnqueueAsync(new OutboxEntry("shelf", "ItemsRemoved", TestClasses.Stock, Encoding.UTF8.GetBytes($"{{\"n\":{i}}}")))));
        await WaitUntil(() => outbox.AckedSeq("shelf") == 25, "25 PUBACKs from the hub");

        List<(string DeviceId, Dictionary<string, string?> Properties, string Body)> got = [.. hub.Telemetry];
        Assert.Equal(25, got.Count);
        Assert.Equal(receipts.Select(r => r.MessageId), got.Select(t => t.Properties["$.mid"]));
        Assert.All(got, t =>
        {
            Assert.Equal("application/json", t.Properties["$.ct"]);
            Assert.Equal("utf-8", t.Properties["$.ce"]);
            Assert.Equal("ItemsRemoved", t.Properties["type"]);
        });
        Assert.Equal(Enumerable.Range(1, 25).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), got.Select(t => t.Properties["seq"]));
        Assert.Equal(4, hub.SubscriptionsOf(DeviceId));
        Assert.Empty(hub.Violations);
    }

    [Fact]
    public async Task AfterConnect_TheWholeTwinIsRead_AndDesiredPatchesAndReportedPatchesFlow()
    {
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { [DeviceId] = DeviceKey });
        hub.Desired["pump"] = new JsonObject { ["ratePerSecond"] = 250 };
        hub.ThrottleTwinGets = 1; // the first GET is answered 429: the transport must back off and ask again
        await using IotHubTransport transport = Start(Options(hub.Port));

        await WaitUntil(() => Inbound().Count == 1, "the desired section of the twin");
        CloudInbound twin = Inbound()[0];
        Assert.Equal(InboundKind.DesiredConfig, twin.Kind);
        Assert.Equal(250, JsonNode.Parse(twin.Payload)!["pump"]!["ratePerSecond"]!.GetValue<int>());
        Assert.Equal(2, hub.TwinGets);

        await hub.UpdateDesiredAsync(new JsonObject { ["shelves"] = new JsonObject { ["S-01"] = new JsonObject { ["lowStockThreshold"] = 4 } } });
        await WaitUntil(() => Inbound().Count == 2, "the desired patch");
        Assert.Equal(2, JsonNode.Parse(Inbound()[1].Payload)!["$version"]!.GetValue<long>());

        await transport.ReportAsync(3, new JsonObject { ["pump"] = new JsonObject { ["ratePerSecond"] = 250 } }, CancellationToken.None);
        Assert.Equal(250, hub.Reported["pump"]!["ratePerSecond"]!.GetValue<int>());
        Assert.Equal(3, hub.Reported["desiredVersion"]!.GetValue<long>());
        Assert.Empty(hub.Violations);
    }

    [Fact]
    public async Task DirectMethod_IsACommand_AndTheResponseGoesBackOnItsRid()
    {
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { [DeviceId] = DeviceKey });
        await using IotHubTransport transport = Start(Options(hub.Port), handler: async m =>
        {
            if (m.Kind == InboundKind.Command)
            {
                await m.Reply(new CloudReply(m.Name == "tare" ? 200 : 404, Encoding.UTF8.GetBytes($"{{\"echo\":{Encoding.UTF8.GetString(m.Payload)}}}")), CancellationToken.None);
            }
        });
        await transport.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);

        (int status, string body) = await hub.InvokeMethodAsync("tare", "{\"shelfId\":\"S-01\"}", Deadline);
        (int missing, _) = await hub.InvokeMethodAsync("no$such", "{}", Deadline);

        Assert.Equal(200, status);
        Assert.Equal("S-01", JsonDocument.Parse(body).RootElement.GetProperty("echo").GetProperty("shelfId").GetString());
        Assert.Equal(404, missing);
        Assert.Empty(hub.Violations);
    }

    [Fact]
    public async Task CloudToDevice_StoreDataAndCommands_AreRouted_AndACommandReplyIsCorrelatedTelemetry()
    {
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { [DeviceId] = DeviceKey });
        await using IotHubTransport transport = Start(Options(hub.Port), handler: async m =>
        {
            lock (_inbound)
            {
                _inbound.Add(m);
            }

            if (m.Kind == InboundKind.Command)
            {
                await m.Reply(new CloudReply(200, "{\"ok\":true}"u8.ToArray()), CancellationToken.None);
            }
        });
        await transport.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);
        await WaitUntil(() => Inbound().Count == 1, "the twin");

        await hub.SendCloudToDeviceAsync(DeviceId, [new("$.mid", "c2d-1"), new("kind", "store-data"), new("name", "promotions")], "{\"version\":2,\"items\":[]}");
        await hub.SendCloudToDeviceAsync(DeviceId, [new("$.mid", "c2d-2"), new("kind", "command"), new("name", "resync")], "{}");
        await hub.SendCloudToDeviceAsync(DeviceId, [new("$.mid", "c2d-3"), new("kind", "gossip")], "{}");
        await WaitUntil(() => hub.Telemetry.Any(t => t.Properties.GetValueOrDefault("type") == "CommandReply"), "the command reply");

        List<CloudInbound> got = Inbound();
        Assert.Equal([(InboundKind.DesiredConfig, "twin"), (InboundKind.Data, "promotions"), (InboundKind.Command, "resync")], got.Select(m => (m.Kind, m.Name)));
        (_, Dictionary<string, string?> props, string body) = hub.Telemetry.Single(t => t.Properties.GetValueOrDefault("type") == "CommandReply");
        Assert.Equal("c2d-2", props["$.cid"]);
        Assert.Equal("200", props["status"]);
        Assert.Equal("{\"ok\":true}", body);
    }

    [Fact]
    public async Task AWrongKey_IsRefusedByTheHub_AndRetriedWithBackoffNotInALoop()
    {
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { [DeviceId] = DeviceKey });
        await using IotHubTransport transport = Start(Options(hub.Port, key: Convert.ToBase64String("a different key"u8)));

        await WaitUntil(() => transport.ConnectAttempts >= 3, "three attempts");

        Assert.Equal("signature mismatch", hub.RefusalReasons.First());
        Assert.False(transport.IsConnected);
        Assert.Contains("NotAuthorized", transport.LastError, StringComparison.Ordinal);
        Assert.All(transport.Link.Delays.Select((d, i) => (d, i)), x => Assert.InRange(x.d, TimeSpan.Zero, TimeSpan.FromMilliseconds(100 * Math.Pow(2, x.i))));
    }

    [Fact]
    public async Task SasToken_IsRenewedByReconnectingBeforeItExpires()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { [DeviceId] = DeviceKey });
        IotHubOptions options = Options(hub.Port);
        options.SasTtlMinutes = 10;
        options.RenewBeforeSeconds = 60;
        await using IotHubTransport transport = Start(options, time);
        await transport.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);
        long firstExpiry = hub.AcceptedTokenExpiries.Single();

        time.Advance(TimeSpan.FromMinutes(9) + TimeSpan.FromSeconds(1));
        await WaitUntil(() => hub.AcceptedTokenExpiries.Count == 2 && transport.IsConnected, () => $"a reconnect with a fresh token (attempts {transport.ConnectAttempts}, tokens {hub.AcceptedTokenExpiries.Count}, refused {hub.Refused} {string.Join(",", hub.RefusalReasons)}, error {transport.LastError})");

        long secondExpiry = hub.AcceptedTokenExpiries.Last();
        Assert.InRange(secondExpiry - firstExpiry, 540, 542);
        Assert.Equal(0, hub.Refused);
        Assert.Empty(transport.Link.Delays); // a planned renewal is not a failure: no backoff
    }

    [Fact]
    public async Task Dps_GroupEnrollment_RegistersWithTheDerivedKey_ThenTheCachedAssignmentIsReused()
    {
        const string scope = "0ne00ABCDEF";
        const string regId = "gw-store-042";
        string groupKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("group-enrollment-primary-key-32b"));
        string derived = SasToken.DeriveDeviceKey(groupKey, regId);
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { [regId] = derived });
        await using DpsFake dps = await DpsFake.StartAsync(_cert, scope, id => id == regId ? derived : null, IotHubFake.Host);
        var options = new IotHubOptions { DpsIdScope = scope, DpsRegistrationId = regId, DpsGroupKey = groupKey, DpsHost = "localhost", DpsPort = dps.Port, Port = hub.Port, CaFile = _cert.CaFile };

        await using (IotHubTransport first = Start(options))
        {
            await first.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);
            Assert.Equal((IotHubFake.Host, regId, 1), (first.HostName, first.DeviceId, first.Provisionings));
        }

        await using IotHubTransport second = Start(options);
        await second.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);

        Assert.Equal(0, second.Provisionings);
        Assert.Equal(1, dps.Registrations);
        Assert.Equal(0, dps.Refused);
        Assert.Equal($"{{\"registrationId\":\"{regId}\"}}", dps.RegisterBodies.Single());
        Assert.Empty(hub.Violations);
    }

    [Fact]
    public async Task Dps_AWrongEnrollmentKey_IsReportedAsSomethingRetryingCannotFix()
    {
        const string scope = "0ne00ABCDEF";
        const string regId = "gw-store-043";
        string groupKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("group-enrollment-primary-key-32b"));
        string wrongKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("a-key-from-another-enrollment-32"));
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, []);
        await using DpsFake dps = await DpsFake.StartAsync(_cert, scope, id => SasToken.DeriveDeviceKey(groupKey, id), IotHubFake.Host);
        var options = new IotHubOptions { DpsIdScope = scope, DpsRegistrationId = regId, DpsGroupKey = wrongKey, DpsHost = "localhost", DpsPort = dps.Port, Port = hub.Port, CaFile = _cert.CaFile };

        await using IotHubTransport transport = Start(options);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (transport.LastError is null)
        {
            Assert.True(clock.Elapsed < Deadline, "no connection failure was reported");
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }

        Assert.StartsWith("DPS refused the connection: NotAuthorized; retrying cannot help until Cloud:IotHub:DpsIdScope", transport.LastError, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, transport.LastError, StringComparison.Ordinal);
        Assert.False(transport.IsConnected);
        Assert.True(dps.Refused >= 1);
        Assert.Equal(0, dps.Registrations);
    }
}
