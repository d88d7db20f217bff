using System.Globalization;
using System.Text.Json.Nodes;
using Edge.Cloud.Tests.IotHub;

namespace Edge.Gateway.Tests.Technicians;

/// <summary><c>provision iothub</c> and <c>provision dps</c> through the real executable against the IoT Hub and DPS fakes.</summary>
[Collection(TechnicianTests.Name)]
public sealed class ProvisionIotHubTests(SecretLedger ledger) : IClassFixture<SecretLedger>, IDisposable
{
    private const string Scope = "0ne00TECHS1";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TechnicianCli _cli = new(ledger);
    private readonly TestCertificate _cert = new();
    private readonly TempDir _temp = new();

    public void Dispose()
    {
        _temp.Dispose();
        _cert.Dispose();
    }

    private string[] IotHub(int port, string data) =>
        ["provision", "iothub", "--host", IotHubFake.Host, "--device-id", "gw-1", "--port", port.ToString(CultureInfo.InvariantCulture), "--ca", _cert.CaFile, "--data-dir", data, "--admin-token-file", _temp["token"]];

    [Fact]
    public async Task ProvisionIotHub_RightKey_WritesTheKeyToSecretsOnly()
    {
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { ["gw-1"] = TestSecrets.DeviceKey });
        string data = _temp["data"];
        var environment = new Dictionary<string, string?>(TechnicianCli.BrokerIds) { ["EDGE_DEVICE_KEY"] = TestSecrets.DeviceKey };

        CliRun run = await _cli.RunAsync(environment, IotHub(hub.Port, data));

        Assert.True(run.Exit == 0, run.ToString());
        JsonNode iothub = ProvisionMqttTests.ReadObject(Path.Combine(data, "site.json"))["Cloud"]!["IotHub"]!;
        Assert.Equal((IotHubFake.Host, "gw-1", hub.Port, _cert.CaFile),
            (iothub["HostName"]!.GetValue<string>(), iothub["DeviceId"]!.GetValue<string>(), iothub["Port"]!.GetValue<int>(), iothub["CaFile"]!.GetValue<string>()));
        Assert.Null(iothub["DeviceKey"]);
        string secrets = Path.Combine(data, "secrets.json");
        Assert.Equal(TestSecrets.DeviceKey, ProvisionMqttTests.ReadObject(secrets)["Cloud"]!["IotHub"]!["DeviceKey"]!.GetValue<string>());
        Assert.Equal(OwnerOnly, TempDir.ModeOf(secrets));
        Assert.Equal(1, hub.TwinGets);
        Assert.Empty(hub.Violations);
        ledger.TokenDeliveredByFile(await File.ReadAllTextAsync(_temp["token"]));
        ledger.AssertNoSecretLeaked();
    }

    [Fact]
    public async Task ProvisionIotHub_WrongKey_Exits5_AtAuthentication_AndWritesNothing()
    {
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { ["gw-1"] = TestSecrets.DeviceKey });
        string data = _temp["data"];
        string keyFile = _temp["device.key"];
        await File.WriteAllTextAsync(keyFile, TestSecrets.WrongDeviceKey + "\n");

        CliRun run = await _cli.RunAsync([.. IotHub(hub.Port, data), "--key-file", keyFile, "--json"]);

        Assert.True(run.Exit == 5, run.ToString());
        JsonNode failed = run.JsonOut()["stages"]!.AsArray().Single(s => s!["outcome"]!.GetValue<string>() == "failed")!;
        Assert.Equal(("Authentication", "auth.bad-credentials"), (failed["stage"]!.GetValue<string>(), failed["code"]!.GetValue<string>()));
        Assert.StartsWith("error: Authentication failed: ", run.Err, StringComparison.Ordinal);
        Assert.Equal(["signature mismatch"], hub.RefusalReasons);
        Assert.False(Directory.Exists(data));
        Assert.False(File.Exists(_temp["token"]));
        ledger.AssertNoSecretLeaked();
    }

    [Fact]
    public async Task ProvisionDps_GroupKey_StoresTheDerivedKey_AndTheGroupKeyNowhere()
    {
        // Arrange: DPS knows the enrollment group; the hub it assigns knows the device by its derived key.
        await using IotHubFake hub = await IotHubFake.StartAsync(_cert, new() { [TestSecrets.RegistrationId] = TestSecrets.DerivedKey });
        await using DpsFake dps = await DpsFake.StartAsync(_cert, Scope, id => id == TestSecrets.RegistrationId ? TestSecrets.DerivedKey : null, IotHubFake.Host);
        string data = _temp["data"];

        // Act
        CliRun run = await _cli.RunAsync(
            "provision", "dps", "--id-scope", Scope, "--registration-id", TestSecrets.RegistrationId, "--group-key", TestSecrets.GroupKey,
            "--dps-host", "localhost", "--dps-port", dps.Port.ToString(CultureInfo.InvariantCulture), "--port", hub.Port.ToString(CultureInfo.InvariantCulture),
            "--ca", _cert.CaFile, "--data-dir", data, "--json");

        // Assert
        Assert.True(run.Exit == 0, run.ToString());
        JsonObject json = run.JsonOut();
        Assert.Equal((IotHubFake.Host, TestSecrets.RegistrationId), (json["assignedHub"]!.GetValue<string>(), json["deviceId"]!.GetValue<string>()));
        Assert.Equal(1, dps.Registrations);
        JsonNode secrets = ProvisionMqttTests.ReadObject(Path.Combine(data, "secrets.json"))["Cloud"]!["IotHub"]!;
        Assert.Equal(TestSecrets.DerivedKey, secrets["DpsEnrollmentKey"]!.GetValue<string>());
        JsonNode site = ProvisionMqttTests.ReadObject(Path.Combine(data, "site.json"))["Cloud"]!["IotHub"]!;
        Assert.Equal((Scope, TestSecrets.RegistrationId, hub.Port), (site["DpsIdScope"]!.GetValue<string>(), site["DpsRegistrationId"]!.GetValue<string>(), site["Port"]!.GetValue<int>()));
        string[] holding = [.. Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).Where(f => File.ReadAllText(f).Contains(TestSecrets.GroupKey, StringComparison.Ordinal))];
        Assert.Empty(holding);
        Assert.Equal(OwnerOnly, TempDir.ModeOf(Path.Combine(data, "admin-token.once")));
        ledger.TokenDeliveredByFile(await File.ReadAllTextAsync(Path.Combine(data, "admin-token.once")));
        ledger.AssertNoSecretLeaked();
    }
}
