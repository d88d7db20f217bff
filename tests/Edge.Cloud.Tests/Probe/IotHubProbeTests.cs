using System.Text;
using Edge.Cloud.IotHub;
using Edge.Cloud.Probe;
using Edge.Cloud.Tests.IotHub;
using Xunit.Abstractions;

namespace Edge.Cloud.Tests.Probe;

/// <summary>The IoT Hub and DPS probes against the conformance fakes (TLS, SAS checked as the hub checks it).</summary>
public sealed class IotHubProbeTests(ITestOutputHelper output) : IDisposable
{
    // Generous: these check what each stage finds, not how fast. A DPS registration waits out two 1 s retry-afters,
    // and on a CI machine busy with the gateway suite 20 s was once not enough (DNS alone took 2.7 s).
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);
    private const string Scope = "0ne00PROBE1";
    private readonly TestCertificate _cert = new();
    private readonly string _deviceKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("device-primary-key-for-probe-32b"));
    private readonly string _groupKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("group-enrollment-primary-key-32b"));

    public void Dispose() => _cert.Dispose();

    [Fact]
    public async Task ProbeIotHub_RightKey_PassesEveryStageWithATwinGet()
    {
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { ["gw-1"] = _deviceKey });
        var options = new IotHubOptions { HostName = IotHubFake.Host, DeviceId = "gw-1", DeviceKey = _deviceKey, Port = hub.Port, CaFile = _cert.CaFile };

        ProbeReport report = await ConnectionProbe.ProbeIotHubAsync(options, Budget, CancellationToken.None);

        output.WriteLine(report.ToString());
        ProbeAssert.Passed(report, _deviceKey);
        Assert.Equal([ProbeStage.Dns, ProbeStage.Tcp, ProbeStage.Tls, ProbeStage.Authentication, ProbeStage.Authorization], report.Stages.Select(s => s.Stage));
        Assert.Equal("authorisation: subscribed to $iothub/twin/res/#; twin GET answered 200", report.Stages[^1].Detail);
        Assert.Equal("gw-1", report.DeviceId);
        Assert.Equal(1, hub.TwinGets);
        Assert.Empty(hub.Violations);
    }

    [Fact]
    public async Task ProbeIotHub_WrongKey_FailsAtAuthenticationWithoutPrintingAKey()
    {
        string wrongKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("not-the-device-key-at-all-32byte"));
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { ["gw-1"] = _deviceKey });
        var options = new IotHubOptions { HostName = IotHubFake.Host, DeviceId = "gw-1", DeviceKey = wrongKey, Port = hub.Port, CaFile = _cert.CaFile };

        ProbeReport report = await ConnectionProbe.ProbeIotHubAsync(options, Budget, CancellationToken.None);

        ProbeAssert.Failed(report, ProbeStage.Authentication, ProbeCodes.AuthBadCredentials, wrongKey, _deviceKey);
        Assert.Equal("authentication: the broker refused the SAS token of device 'gw-1' (CONNACK NotAuthorized; check Cloud:IotHub:DeviceKey and the device id)", report.Failure!.Detail);
        Assert.Equal(["signature mismatch"], hub.RefusalReasons);
    }

    [Fact]
    public async Task ProbeIotHub_UnknownDevice_FailsAtAuthenticationNamingTheClientId()
    {
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { ["gw-1"] = _deviceKey });
        var options = new IotHubOptions { HostName = IotHubFake.Host, DeviceId = "gw-2", DeviceKey = _deviceKey, Port = hub.Port, CaFile = _cert.CaFile };

        ProbeReport report = await ConnectionProbe.ProbeIotHubAsync(options, Budget, CancellationToken.None);

        ProbeAssert.Failed(report, ProbeStage.Authentication, ProbeCodes.AuthClientIdRejected, _deviceKey);
        Assert.Contains("client id 'gw-2'", report.Failure!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeDps_GroupKey_RegistersWithTheDerivedKeyAndProbesTheAssignedHub()
    {
        const string regId = "gw-store-042";
        string derived = SasToken.DeriveDeviceKey(_groupKey, regId);
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { [regId] = derived });
        await using DpsFake dps = await DpsFake.StartAsync(_cert, Scope, id => id == regId ? derived : null, IotHubFake.Host);
        var options = new IotHubOptions { DpsIdScope = Scope, DpsRegistrationId = regId, DpsGroupKey = _groupKey, DpsHost = "localhost", DpsPort = dps.Port, Port = hub.Port, CaFile = _cert.CaFile };

        ProbeReport report = await ConnectionProbe.ProbeDpsAsync(options, Budget, CancellationToken.None);

        output.WriteLine(report.ToString());
        ProbeAssert.Passed(report, _groupKey, derived);
        Assert.Equal(
            [ProbeStage.Dns, ProbeStage.Tcp, ProbeStage.Tls, ProbeStage.Provisioning, ProbeStage.Dns, ProbeStage.Tcp, ProbeStage.Tls, ProbeStage.Authentication, ProbeStage.Authorization],
            report.Stages.Select(s => s.Stage));
        Assert.Equal((IotHubFake.Host, regId), (report.AssignedHub, report.DeviceId));
        Assert.Equal($"provisioning: DPS assigned device '{regId}' to hub '{IotHubFake.Host}'", report.Stages[3].Detail);
        Assert.Contains($"DPS assigned hub '{IotHubFake.Host}', device '{regId}'", report.ToString(), StringComparison.Ordinal);
        Assert.Equal((1, 0), (dps.Registrations, dps.Refused));
        Assert.Equal(0, hub.Refused);
    }

    [Fact]
    public async Task ProbeIotHub_WithDpsSettings_ProbesThroughDps()
    {
        const string regId = "gw-store-044";
        string derived = SasToken.DeriveDeviceKey(_groupKey, regId);
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { [regId] = derived });
        await using DpsFake dps = await DpsFake.StartAsync(_cert, Scope, id => id == regId ? derived : null, IotHubFake.Host);
        var options = new IotHubOptions { DpsIdScope = Scope, DpsRegistrationId = regId, DpsGroupKey = _groupKey, DpsHost = "localhost", DpsPort = dps.Port, Port = hub.Port, CaFile = _cert.CaFile };

        ProbeReport report = await ConnectionProbe.ProbeIotHubAsync(options, Budget, CancellationToken.None);

        ProbeAssert.Passed(report, _groupKey, derived);
        Assert.Equal(regId, report.DeviceId);
    }

    [Fact]
    public async Task ProbeDps_WrongGroupKey_FailsAtProvisioningAndSkipsTheHub()
    {
        const string regId = "gw-store-043";
        string wrongKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("a-key-from-another-enrollment-32"));
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, []);
        await using DpsFake dps = await DpsFake.StartAsync(_cert, Scope, id => SasToken.DeriveDeviceKey(_groupKey, id), IotHubFake.Host);
        var options = new IotHubOptions { DpsIdScope = Scope, DpsRegistrationId = regId, DpsGroupKey = wrongKey, DpsHost = "localhost", DpsPort = dps.Port, Port = hub.Port, CaFile = _cert.CaFile };

        ProbeReport report = await ConnectionProbe.ProbeDpsAsync(options, Budget, CancellationToken.None);

        ProbeAssert.Failed(report, ProbeStage.Provisioning, ProbeCodes.DpsBadCredentials, wrongKey, _groupKey, SasToken.DeriveDeviceKey(wrongKey, regId));
        Assert.Equal("provisioning: DPS refused the registration credentials (CONNACK NotAuthorized; check Cloud:IotHub:DpsIdScope, Cloud:IotHub:DpsRegistrationId and Cloud:IotHub:DpsGroupKey)", report.Failure!.Detail);
        Assert.Null(report.AssignedHub);
        Assert.Equal(5, report.Stages.Count(s => s.Target == "(assigned hub)" && s.Outcome == StageOutcome.Skipped));
    }

    [Fact]
    public async Task ProbeIotHub_HubTrustedThroughAnotherCa_FailsAtTlsUntrustedChain()
    {
        using var other = new TestCertificate(); // a different self-signed localhost certificate
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { ["gw-1"] = _deviceKey });
        var options = new IotHubOptions { HostName = IotHubFake.Host, DeviceId = "gw-1", DeviceKey = _deviceKey, Port = hub.Port, CaFile = other.CaFile };

        ProbeReport report = await ConnectionProbe.ProbeIotHubAsync(options, Budget, CancellationToken.None);

        ProbeAssert.Failed(report, ProbeStage.Tls, ProbeCodes.TlsUntrustedChain, _deviceKey);
        Assert.Contains("Cloud:IotHub:CaFile", report.Failure!.Detail, StringComparison.Ordinal);
    }
}
