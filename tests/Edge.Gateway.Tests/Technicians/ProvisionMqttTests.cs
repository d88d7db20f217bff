using System.Text.Json.Nodes;
using Edge.Cloud.Tests.Brokers;
using Edge.Cloud.Tests.Probe;
using Edge.Gateway.Admin;

namespace Edge.Gateway.Tests.Technicians;

/// <summary>
/// <c>provision mqtt</c> and <c>provision --from-config</c> through the real executable against a real Mosquitto with
/// TLS, a password file, an ACL and the dynamic-security plugin: what is written where, with which mode, and that a
/// failed verification writes nothing and names the stage.
/// </summary>
[Collection(TechnicianTests.Name)]
public sealed class ProvisionMqttTests(SecretLedger ledger) : IClassFixture<SecretLedger>, IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TechnicianCli _cli = new(ledger);
    private readonly ProbePki _pki = new();
    private readonly TempDir _temp = new();

    public void Dispose()
    {
        _temp.Dispose();
        _pki.Dispose();
    }

    private string[] Mqtt(int port, string dataDir, string user = "gateway", string? ca = null, string host = "localhost") =>
        ["provision", "mqtt", "--host", host, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--tls", "--ca", ca ?? _pki.CaFile, "--user", user, "--data-dir", dataDir];

    [Fact]
    public async Task ProvisionMqtt_TlsAndPassword_WritesSettingsSecretsAndOneToken()
    {
        // Arrange
        using var broker = new SecuredMosquitto(_pki, _pki.Server);
        string data = _temp["data"];
        string passwordFile = _temp["password"];
        await File.WriteAllTextAsync(passwordFile, SecuredMosquitto.Passwords["gateway"] + "\n");

        // Act
        CliRun first = await _cli.RunAsync([.. Mqtt(broker.Port, data), "--password-file", passwordFile]);

        // Assert: the settings, without the password.
        Assert.True(first.Exit == 0, first.ToString());
        JsonObject site = ReadObject(Path.Combine(data, "site.json"));
        JsonNode mqtt = site["Cloud"]!["Mqtt"]!;
        Assert.Equal("Mqtt", site["Cloud"]!["Mode"]!.GetValue<string>());
        Assert.Equal(("localhost", broker.Port, true, _pki.CaFile, "gateway"),
            (mqtt["Host"]!.GetValue<string>(), mqtt["Port"]!.GetValue<int>(), mqtt["UseTls"]!.GetValue<bool>(), mqtt["CaFile"]!.GetValue<string>(), mqtt["Username"]!.GetValue<string>()));
        Assert.Null(mqtt["Password"]);
        Assert.DoesNotContain(SecuredMosquitto.Passwords["gateway"], await File.ReadAllTextAsync(Path.Combine(data, "site.json")), StringComparison.Ordinal);

        // The password, in a file only its owner reads.
        string secretsPath = Path.Combine(data, "secrets.json");
        Assert.Equal(SecuredMosquitto.Passwords["gateway"], ReadObject(secretsPath)["Cloud"]!["Mqtt"]!["Password"]!.GetValue<string>());
        Assert.Equal(OwnerOnly, TempDir.ModeOf(secretsPath));

        // The token: printed once on its own line, stored only as a hash in a 0600 file.
        string tokenPath = Path.Combine(data, AdminToken.FileName);
        string token = Assert.Single(first.Out.Split('\n'), l => l.StartsWith(AdminToken.Prefix, StringComparison.Ordinal));
        Assert.Matches("^edge_[A-Za-z0-9_-]{43}$", token);
        Assert.Equal(OwnerOnly, TempDir.ModeOf(tokenPath));
        Assert.True(AdminToken.Load(data)!.Matches(token), "the printed token is not the stored one");
        Assert.DoesNotContain(token, await File.ReadAllTextAsync(tokenPath), StringComparison.Ordinal);
        Assert.Contains("provisioned MQTT broker localhost", first.Out, StringComparison.Ordinal);

        // Act again, the password from the environment this time: the token stays as it was.
        byte[] tokenFile = await File.ReadAllBytesAsync(tokenPath);
        var environment = new Dictionary<string, string?>(TechnicianCli.BrokerIds) { ["EDGE_MQTT_PASSWORD"] = SecuredMosquitto.Passwords["gateway"] };
        CliRun second = await _cli.RunAsync(environment, Mqtt(broker.Port, data));

        Assert.True(second.Exit == 0, second.ToString());
        Assert.DoesNotContain(AdminToken.Prefix, second.Out, StringComparison.Ordinal);
        Assert.Equal(tokenFile, await File.ReadAllBytesAsync(tokenPath));
        Assert.True(AdminToken.Load(data)!.Matches(token));
        Assert.Equal(SecuredMosquitto.Passwords["gateway"], ReadObject(secretsPath)["Cloud"]!["Mqtt"]!["Password"]!.GetValue<string>());
        ledger.AssertNoSecretLeaked();
    }

    [Fact]
    public async Task ProvisionMqtt_Json_PrintsOneObjectWithTheStages_AndTheTokenOnlyInTheOnceFile()
    {
        using var broker = new SecuredMosquitto(_pki, _pki.Server);
        string data = _temp["data"];

        CliRun run = await _cli.RunAsync([.. Mqtt(broker.Port, data), "--password", SecuredMosquitto.Passwords["gateway"], "--json"]);

        Assert.True(run.Exit == 0, run.ToString());
        JsonObject json = run.JsonOut();
        Assert.True(json["provisioned"]!.GetValue<bool>());
        Assert.True(json["verified"]!.GetValue<bool>());
        Assert.Equal(["Dns:ok", "Tcp:ok", "Tls:ok", "Authentication:ok", "Authorization:ok"],
            json["stages"]!.AsArray().Select(s => $"{s!["stage"]}:{s["outcome"]}"));
        Assert.Equal(Path.Combine(data, "secrets.json"), json["secretsFile"]!.GetValue<string>());
        string once = Path.Combine(data, "admin-token.once");
        Assert.Equal(once, json["adminTokenFile"]!.GetValue<string>());
        Assert.DoesNotContain(AdminToken.Prefix, run.Out, StringComparison.Ordinal);
        Assert.Equal(OwnerOnly, TempDir.ModeOf(once));
        string token = (await File.ReadAllTextAsync(once)).Trim();
        ledger.TokenDeliveredByFile(token);
        Assert.True(AdminToken.Load(data)!.Matches(token), "admin-token.once does not hold the stored token");
        ledger.AssertNoSecretLeaked();
    }

    [Fact]
    public async Task ProvisionMqtt_AdminTokenFile_WritesTheTokenThere_Mode0600_AndPrintsItNowhere()
    {
        using var broker = new SecuredMosquitto(_pki, _pki.Server);
        string data = _temp["data"];
        string tokenFile = _temp["token"];

        CliRun run = await _cli.RunAsync([.. Mqtt(broker.Port, data), "--password", SecuredMosquitto.Passwords["gateway"], "--admin-token-file", tokenFile]);

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal(OwnerOnly, TempDir.ModeOf(tokenFile));
        string token = (await File.ReadAllTextAsync(tokenFile)).Trim();
        ledger.TokenDeliveredByFile(token);
        Assert.True(AdminToken.Load(data)!.Matches(token));
        Assert.Contains($"admin token written to {tokenFile}", run.Out, StringComparison.Ordinal);
        ledger.AssertNoSecretLeaked();
    }

    public static TheoryData<string, string, string> Failures => new()
    {
        { "dns.not-found", "Dns", "wrong host" },
        { "tcp.refused", "Tcp", "nothing listening" },
        { "tls.untrusted-chain", "Tls", "wrong CA" },
        { "tls.name-mismatch", "Tls", "certificate for another name" },
        { "auth.bad-credentials", "Authentication", "wrong password" },
        { "authz.subscribe-denied", "Authorization", "user refused the commands" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task ProvisionMqtt_FailedVerification_Exits5_WritesNothing_AndNamesTheStage(string code, string stage, string fault)
    {
        // Arrange: a data directory provisioned before, whose files must stay as they were; and one not there yet.
        using var broker = new SecuredMosquitto(_pki, fault == "certificate for another name" ? _pki.OtherName : _pki.Server);
        string earlier = _temp["earlier"];
        Directory.CreateDirectory(earlier);
        await File.WriteAllTextAsync(Path.Combine(earlier, "site.json"), """{ "Cloud": { "Mode": "Mqtt", "Mqtt": { "Host": "old-broker", "Port": 8883 } } }""");
        await File.WriteAllTextAsync(Path.Combine(earlier, "secrets.json"), """{ "Cloud": { "Mqtt": { "Password": "the-old-one" } } }""");
        SortedDictionary<string, string> before = TempDir.Snapshot(earlier);
        string fresh = _temp["fresh"];
        string[] args = fault switch
        {
            "wrong host" => Mqtt(broker.Port, earlier, host: "brokr.invalid"),
            "nothing listening" => Mqtt(Mosquitto.FreePort(), earlier),
            "wrong CA" => Mqtt(broker.Port, earlier, ca: _pki.OtherCaFile),
            "user refused the commands" => Mqtt(broker.Port, earlier, user: "nosub"),
            _ => Mqtt(broker.Port, earlier),
        };
        string password = fault switch
        {
            "wrong password" => TestSecrets.WrongPassword,
            "user refused the commands" => SecuredMosquitto.Passwords["nosub"],
            _ => SecuredMosquitto.Passwords["gateway"],
        };
        var environment = new Dictionary<string, string?>(TechnicianCli.BrokerIds) { ["EDGE_MQTT_PASSWORD"] = password };

        // Act: human output on the provisioned directory, JSON on the fresh one.
        CliRun human = await _cli.RunAsync(environment, args);
        CliRun json = await _cli.RunAsync(environment, [.. args[..^1], fresh, "--json"]);

        // Assert
        Assert.True(human.Exit == 5, human.ToString());
        Assert.StartsWith($"error: {stage} failed: ", human.Err, StringComparison.Ordinal);
        Assert.Contains($"failed at {stage}: {code}", human.Out, StringComparison.Ordinal);
        Assert.Contains("nothing was written", human.Out, StringComparison.Ordinal);
        Assert.Equal(before, TempDir.Snapshot(earlier));

        Assert.True(json.Exit == 5, json.ToString());
        JsonObject result = json.JsonOut();
        Assert.False(result["provisioned"]!.GetValue<bool>());
        JsonNode failed = Assert.Single(result["stages"]!.AsArray(), s => s!["outcome"]!.GetValue<string>() == "failed")!;
        Assert.Equal((stage, code), (failed["stage"]!.GetValue<string>(), failed["code"]!.GetValue<string>()));
        Assert.StartsWith($"{stage} failed: ", result["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith($"error: {stage} failed: ", json.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(fresh), $"a failed provision created {fresh}");
        ledger.AssertNoSecretLeaked();
    }

    [Fact]
    public async Task ProvisionFromConfig_MqttKeysInTheEnvironment_WritesThePasswordToSecrets()
    {
        // Arrange: what the balena entrypoint passes on a first boot.
        using var broker = new SecuredMosquitto(_pki, _pki.Server);
        string data = _temp["data"];
        var environment = new Dictionary<string, string?>(TechnicianCli.BrokerIds)
        {
            ["Gateway__DataDir"] = data,
            ["Cloud__Mode"] = "Mqtt",
            ["Cloud__Mqtt__Host"] = "localhost",
            ["Cloud__Mqtt__Port"] = broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cloud__Mqtt__UseTls"] = "true",
            ["Cloud__Mqtt__CaFile"] = _pki.CaFile,
            ["Cloud__Mqtt__Username"] = "gateway",
            ["Cloud__Mqtt__Password"] = SecuredMosquitto.Passwords["gateway"],
        };

        // Act
        CliRun run = await _cli.RunAsync(environment, "provision", "--from-config", "--admin-token-file", _temp["token"]);

        // Assert
        Assert.True(run.Exit == 0, run.ToString());
        string secretsPath = Path.Combine(data, "secrets.json");
        Assert.Equal(SecuredMosquitto.Passwords["gateway"], ReadObject(secretsPath)["Cloud"]!["Mqtt"]!["Password"]!.GetValue<string>());
        Assert.Equal(OwnerOnly, TempDir.ModeOf(secretsPath));
        JsonNode mqtt = ReadObject(Path.Combine(data, "site.json"))["Cloud"]!["Mqtt"]!;
        Assert.Equal(("localhost", broker.Port, "gateway"), (mqtt["Host"]!.GetValue<string>(), mqtt["Port"]!.GetValue<int>(), mqtt["Username"]!.GetValue<string>()));
        Assert.Null(mqtt["Password"]);
        ledger.TokenDeliveredByFile(await File.ReadAllTextAsync(_temp["token"]));
        ledger.AssertNoSecretLeaked();
    }

    [Fact]
    public async Task ProvisionFromConfig_WrongPasswordInTheEnvironment_Exits5AndWritesNothing()
    {
        using var broker = new SecuredMosquitto(_pki, _pki.Server);
        string data = _temp["data"];
        var environment = new Dictionary<string, string?>(TechnicianCli.BrokerIds)
        {
            ["Cloud__Mode"] = "Mqtt",
            ["Cloud__Mqtt__Host"] = "localhost",
            ["Cloud__Mqtt__Port"] = broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cloud__Mqtt__UseTls"] = "true",
            ["Cloud__Mqtt__CaFile"] = _pki.CaFile,
            ["Cloud__Mqtt__Username"] = "gateway",
            ["Cloud__Mqtt__Password"] = TestSecrets.WrongPassword,
        };

        CliRun run = await _cli.RunAsync(environment, "provision", "--from-config", "--data-dir", data, "--json");

        Assert.True(run.Exit == 5, run.ToString());
        Assert.Equal("auth.bad-credentials", run.JsonOut()["stages"]!.AsArray().Single(s => s!["outcome"]!.GetValue<string>() == "failed")!["code"]!.GetValue<string>());
        Assert.False(Directory.Exists(data));
        ledger.AssertNoSecretLeaked();
    }

    internal static JsonObject ReadObject(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        return Assert.IsType<JsonObject>(JsonNode.Parse(File.ReadAllText(path)));
    }
}
