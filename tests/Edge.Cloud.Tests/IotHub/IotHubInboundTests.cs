using System.Text;
using System.Text.Json.Nodes;
using Edge.Cloud.IotHub;
using Edge.Cloud.Mqtt;
using Edge.Cloud.Transport;

namespace Edge.Cloud.Tests.IotHub;

/// <summary>Inbound traffic on IoT Hub as the real hub sends it: a desired patch whose handler reports back, then methods and C2D.</summary>
public sealed class IotHubInboundTests : IAsyncDisposable
{
    private const string DeviceId = "gw-store-001";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly string DeviceKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("device-key-of-the-test-gateway!!"));
    private readonly TestCertificate _cert = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-hub-in-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
        _cert.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private IotHubTransport Start(int port)
    {
        var options = new IotHubOptions { HostName = IotHubFake.Host, DeviceId = DeviceId, DeviceKey = DeviceKey, Port = port, CaFile = _cert.CaFile };
        var transport = new IotHubTransport(options, Path.Combine(_dir, "dps-assignment.json"), new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)), dataKind: "store-data");
        _running.Add(transport.RunAsync(_stop.Token));
        return transport;
    }

    [Fact]
    public async Task ADesiredPatchWhoseHandlerReportsBack_CompletesAtOnce_AndLaterMethodsAndC2DAreHandled()
    {
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { [DeviceId] = DeviceKey });
        IotHubTransport transport = Start(hub.Port);
        var handled = new List<(InboundKind Kind, string Name)>();
        var reported = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.Inbound += async m =>
        {
            lock (handled)
            {
                handled.Add((m.Kind, m.Name));
            }

            bool isPatch = m.Kind == InboundKind.DesiredConfig && JsonNode.Parse(m.Payload) is JsonObject desired && desired.ContainsKey("pump");
            if (isPatch)
            {
                // As the gateway does: apply, then report back from inside the handler. The hub's 204 arrives
                // while this handler is still running; it must not wait behind it.
                var took = System.Diagnostics.Stopwatch.StartNew();
                await transport.ReportAsync(2, new JsonObject { ["pump"] = new JsonObject { ["ratePerSecond"] = 300 } }, CancellationToken.None);
                reported.TrySetResult(took.Elapsed);
            }
            else if (m.Kind == InboundKind.Command)
            {
                await m.Reply(new CloudReply(200, "{\"ok\":true}"u8.ToArray()), CancellationToken.None);
            }
        };
        await transport.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);

        await hub.UpdateDesiredAsync(new JsonObject { ["pump"] = new JsonObject { ["ratePerSecond"] = 300 } });
        TimeSpan took = await reported.Task.WaitAsync(Deadline);
        (int status, _) = await hub.InvokeMethodAsync("resync", "{}", Deadline);
        await hub.SendCloudToDeviceAsync(DeviceId, [new("$.mid", "c2d-1"), new("kind", "store-data"), new("name", "promotions")], "{\"version\":2,\"items\":[]}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!Handled(handled).Contains((InboundKind.Data, "promotions")))
        {
            Assert.True(clock.Elapsed < Deadline, "the C2D message was not handled");
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }

        Assert.True(took < TimeSpan.FromSeconds(10), $"the reported PATCH took {took}: its answer waited behind the handler");
        Assert.Equal(200, status);
        Assert.Equal(300, hub.Reported["pump"]!["ratePerSecond"]!.GetValue<int>());
        Assert.Equal(0, transport.InboundStats.Failed);
        Assert.Empty(hub.Violations);
    }

    private static List<(InboundKind, string)> Handled(List<(InboundKind Kind, string Name)> handled)
    {
        lock (handled)
        {
            return [.. handled];
        }
    }

    [Fact]
    public async Task AReportedNameWithADollar_IsRefusedByTheFake_AsTheHubRefusesIt()
    {
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { [DeviceId] = DeviceKey });
        IotHubTransport transport = Start(hub.Port);
        await transport.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);

        // The transport's own version key is allowed; a name with '$' in what the gateway reports is not.
        await Assert.ThrowsAsync<CloudUnavailableException>(() => transport.ReportAsync(1, new JsonObject { ["$version"] = 1 }, CancellationToken.None));
        await Assert.ThrowsAsync<CloudUnavailableException>(() => transport.ReportAsync(1, new JsonObject { ["a.b"] = 1 }, CancellationToken.None));

        Assert.Equal(2, hub.Violations.Count(v => v.StartsWith("reported PATCH refused", StringComparison.Ordinal)));
        Assert.Null(hub.Reported["desiredVersion"]);
    }
}
