namespace Edge.Gateway.Tests.Technicians;

/// <summary>What a technician mistypes: each gets one clear line and the right exit code, never a stack trace, and nothing changes.</summary>
[Collection(TechnicianTests.Name)]
public sealed class ProvisionBadInputTests(SecretLedger ledger) : IClassFixture<SecretLedger>, IDisposable
{
    private readonly TechnicianCli _cli = new(ledger);
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ProvisionMqtt_WithoutHost_Exits1_WithUsageOnStderr()
    {
        CliRun run = await _cli.RunAsync("provision", "mqtt", "--data-dir", _temp["data"]);

        Assert.Equal(1, run.Exit);
        Assert.Equal("", run.Out);
        Assert.Equal("error: Option '--host' is required.", run.Err.Split('\n')[0]);
        Assert.Contains("Usage:\n  edge-gateway provision mqtt [options]", run.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp["data"]));
        ledger.AssertNoSecretLeaked();
    }

    [Fact]
    public async Task ProvisionMqtt_Port70000_Exits2_NamingThePort()
    {
        CliRun run = await _cli.RunAsync("provision", "mqtt", "--host", "localhost", "--port", "70000", "--data-dir", _temp["data"]);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal("error: Cloud:Mqtt:Port must be from 0 to 65535\n", run.Err);
        Assert.False(Directory.Exists(_temp["data"]));
        ledger.AssertNoSecretLeaked();
    }

    [Theory]
    [InlineData("provision", "mqtt", "--host", "brokr.invalid")]
    [InlineData("admin", "token")]
    public async Task DataDirThatIsAFile_FailsBeforeConnecting_WithOneLineNamingIt(params string[] verb)
    {
        // Arrange: --data-dir names a file (a typo, or an image mounted in the wrong place).
        string file = _temp["not-a-dir"];
        await File.WriteAllTextAsync(file, "x");

        // Act: the broker name does not resolve, so a verb that connected before checking would exit 5.
        CliRun run = await _cli.RunAsync([.. verb, "--data-dir", file]);

        // Assert
        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal($"error: the data directory {file} is a file, not a directory (--data-dir, Gateway:DataDir)\n", run.Err);
        Assert.DoesNotContain("   at ", run.Out + run.Err, StringComparison.Ordinal);
        Assert.Equal("x", await File.ReadAllTextAsync(file));
        ledger.AssertNoSecretLeaked();
    }

    [Theory]
    [InlineData("site.json")]
    [InlineData("secrets.json")]
    public async Task ProvisionMqtt_CorruptFileInTheDataDir_FailsNamingIt_AndLeavesItAsItWas(string name)
    {
        string data = _temp["data"];
        Directory.CreateDirectory(data);
        string path = Path.Combine(data, name);
        await File.WriteAllTextAsync(path, "{ \"Cloud\": { \"Mode\": \"Mq");
        SortedDictionary<string, string> before = TempDir.Snapshot(data);

        CliRun run = await _cli.RunAsync("provision", "mqtt", "--host", "localhost", "--skip-verify", "--data-dir", data);

        Assert.True(run.Exit is 2 or 6, run.ToString());
        Assert.StartsWith("error: ", run.Err, StringComparison.Ordinal);
        Assert.Contains(path, run.Err, StringComparison.Ordinal);
        Assert.Single(run.Err.TrimEnd('\n').Split('\n'));
        Assert.Equal(before, TempDir.Snapshot(data));
        ledger.AssertNoSecretLeaked();
    }
}
