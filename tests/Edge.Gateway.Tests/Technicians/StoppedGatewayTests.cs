using System.Globalization;
using System.Text.Json.Nodes;
using Edge.Cloud.Tests.Probe;
using Edge.Gateway.Tests.EndToEnd;

namespace Edge.Gateway.Tests.Technicians;

/// <summary><c>outbox status</c> and <c>diag</c> on the data directory of a gateway that ran and stopped.</summary>
[Collection(TechnicianTests.Name)]
public sealed class StoppedGatewayTests(SecretLedger ledger) : IClassFixture<SecretLedger>, IDisposable
{
    private static readonly string[] DiagChecks = ["gpio", "hci", "clock", "disk", "databases", "sdcard", "hx711", "config", "cloud", "rtc", "outbox"];
    private readonly TechnicianCli _cli = new(ledger);
    private readonly ProbePki _pki = new();
    private readonly TempDir _temp = new();

    public void Dispose()
    {
        _temp.Dispose();
        _pki.Dispose();
    }

    [Fact]
    public async Task OutboxStatusAndDiag_OnAStoppedGatewaysDataDir_PrintValidJson_WithExitMatchingOk()
    {
        // Arrange: provisioned to a real broker, run until healthy, stopped as systemd stops it.
        using var broker = new SecuredMosquitto(_pki, _pki.Server);
        string data = _temp["data"];
        CliRun provision = await _cli.RunAsync(
            "provision", "mqtt", "--host", "localhost", "--port", broker.Port.ToString(CultureInfo.InvariantCulture), "--tls", "--ca", _pki.CaFile,
            "--user", "gateway", "--password", SecuredMosquitto.Passwords["gateway"], "--data-dir", data, "--admin-token-file", _temp["token"]);
        Assert.True(provision.Exit == 0, provision.ToString());
        ledger.TokenDeliveredByFile(await File.ReadAllTextAsync(_temp["token"]));
        using (GatewayProcess gateway = GatewayProcess.Start(data, environment: new Dictionary<string, string> { ["Store__Id"] = "s1", ["Gateway__Id"] = "g1" }))
        {
            await gateway.WaitForHealthAsync((status, _) => status == 200, TimeSpan.FromSeconds(25), "a healthy gateway");
            await gateway.TerminateAsync(TimeSpan.FromSeconds(15));
            ledger.Record("the gateway's log", gateway.Output);
        }

        // Act
        CliRun outbox = await _cli.RunAsync("outbox", "status", "--json", "--data-dir", data);
        CliRun diag = await _cli.RunAsync("diag", "--json", "--data-dir", data);

        // Assert: the outbox is read from its file, not from a gateway.
        Assert.True(outbox.Exit == 0, outbox.ToString());
        JsonObject status = outbox.JsonOut();
        Assert.Equal(("Mqtt", false), (status["mode"]!.GetValue<string>(), status["running"]!.GetValue<bool>()));
        Assert.True(status["waiting"]!.GetValue<long>() >= 0);

        JsonObject report = diag.JsonOut();
        JsonArray checks = report["checks"]!.AsArray();
        Assert.Equal(DiagChecks, checks.Select(c => c!["name"]!.GetValue<string>()).Distinct());
        Assert.Equal("skip", checks.Single(c => c!["name"]!.GetValue<string>() == "hx711")!["status"]!.GetValue<string>());
        Assert.Equal("ok", checks.Single(c => c!["name"]!.GetValue<string>() == "cloud")!["status"]!.GetValue<string>());
        Assert.Equal("ok", checks.Single(c => c!["name"]!.GetValue<string>() == "config")!["status"]!.GetValue<string>());
        bool ok = report["ok"]!.GetValue<bool>();
        Assert.Equal(!checks.Any(c => c!["status"]!.GetValue<string>() == "fail"), ok);
        Assert.True(diag.Exit == (ok ? 0 : 5), diag.ToString());
        ledger.AssertNoSecretLeaked();
    }
}
