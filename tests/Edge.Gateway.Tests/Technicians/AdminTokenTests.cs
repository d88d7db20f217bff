using Edge.Gateway.Admin;

namespace Edge.Gateway.Tests.Technicians;

/// <summary><c>admin token</c>: created once, refused a second time, replaced with <c>--rotate</c>.</summary>
[Collection(TechnicianTests.Name)]
public sealed class AdminTokenTests(SecretLedger ledger) : IClassFixture<SecretLedger>, IDisposable
{
    private readonly TechnicianCli _cli = new(ledger);
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task AdminToken_CreatesOnce_RefusesASecond_AndRotateReplacesIt()
    {
        string data = _temp["data"];
        string tokenPath = Path.Combine(data, AdminToken.FileName);

        // Create: shown once, on its own line.
        CliRun created = await _cli.RunAsync("admin", "token", "--data-dir", data);
        Assert.True(created.Exit == 0, created.ToString());
        string first = Assert.Single(created.Out.Split('\n'), l => l.StartsWith(AdminToken.Prefix, StringComparison.Ordinal));
        Assert.True(AdminToken.Load(data)!.Matches(first));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, TempDir.ModeOf(tokenPath));
        byte[] stored = await File.ReadAllBytesAsync(tokenPath);

        // A second without --rotate: refused, the stored hash untouched.
        CliRun refused = await _cli.RunAsync("admin", "token", "--data-dir", data);
        Assert.True(refused.Exit == 5, refused.ToString());
        Assert.Contains("use --rotate", refused.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(AdminToken.Prefix, refused.Out + refused.Err, StringComparison.Ordinal);
        Assert.Equal(stored, await File.ReadAllBytesAsync(tokenPath));

        // --rotate: a new token; the old one no longer matches.
        CliRun rotated = await _cli.RunAsync("admin", "token", "--rotate", "--data-dir", data);
        Assert.True(rotated.Exit == 0, rotated.ToString());
        string second = Assert.Single(rotated.Out.Split('\n'), l => l.StartsWith(AdminToken.Prefix, StringComparison.Ordinal));
        AdminToken now = AdminToken.Load(data)!;
        Assert.NotEqual(first, second);
        Assert.True(now.Matches(second));
        Assert.False(now.Matches(first), "the old token still works after --rotate");
        Assert.NotEqual(stored, await File.ReadAllBytesAsync(tokenPath));
        ledger.AssertNoSecretLeaked();
    }

    [Fact]
    public async Task AdminToken_JsonOrTokenFile_PutsTheTokenInA0600File_NeverOnStdout()
    {
        string data = _temp["data"];
        string file = _temp["token"];

        CliRun json = await _cli.RunAsync("admin", "token", "--data-dir", data, "--json");
        CliRun toFile = await _cli.RunAsync("admin", "token", "--rotate", "--data-dir", data, "--token-file", file);

        Assert.True(json.Exit == 0, json.ToString());
        string once = Path.Combine(data, "admin-token.once");
        Assert.Equal(once, json.JsonOut()["adminTokenFile"]!.GetValue<string>());
        Assert.True(toFile.Exit == 0, toFile.ToString());
        foreach (string path in (string[])[once, file])
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, TempDir.ModeOf(path));
            ledger.TokenDeliveredByFile(await File.ReadAllTextAsync(path));
        }

        Assert.True(AdminToken.Load(data)!.Matches((await File.ReadAllTextAsync(file)).Trim()));
        Assert.False(AdminToken.Load(data)!.Matches((await File.ReadAllTextAsync(once)).Trim()));
        ledger.AssertNoSecretLeaked();
    }
}
