using Edge.Cloud.Tests.Probe;
using Xunit.Sdk;

namespace Edge.Gateway.Tests.Technicians;

/// <summary>The leak check itself: each rule the CLI tests rely on fails when it is broken.</summary>
public sealed class SecretLedgerTests
{
    private const string Token = "edge_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    private static CliRun Run(string stdout, string stderr = "", params string[] args) => new(args, 0, stdout, stderr);

    [Fact]
    public void TokenOnItsOwnLineOfTheRunThatCreatedIt_IsAllowed()
    {
        var ledger = new SecretLedger();
        ledger.Record(Run($"provisioned …\n{Token}\n(the admin token: shown this once; store it now)\n", "", "admin", "token"));

        ledger.AssertNoSecretLeaked();
    }

    [Theory]
    [InlineData("a password on stderr")]
    [InlineData("a token shown twice")]
    [InlineData("a token in JSON output")]
    [InlineData("a token printed by a verb that creates none")]
    [InlineData("a token delivered by file and printed")]
    [InlineData("a derived key in a gateway log")]
    public void Leak_FailsTheCheck(string leak)
    {
        var ledger = new SecretLedger();
        switch (leak)
        {
            case "a password on stderr":
                ledger.Record(Run("", $"error: bad password {SecuredMosquitto.Passwords["nopub"]}\n", "provision", "mqtt"));
                break;
            case "a token shown twice":
                ledger.Record(Run($"{Token}\n", "", "admin", "token"));
                ledger.Record(Run($"{Token}\n", "", "admin", "token", "--rotate"));
                break;
            case "a token in JSON output":
                ledger.Record(Run($"{{\"token\":\"{Token}\"}}\n", "", "admin", "token", "--json"));
                break;
            case "a token printed by a verb that creates none":
                ledger.Record(Run($"{Token}\n", "", "diag"));
                break;
            case "a token delivered by file and printed":
                ledger.TokenDeliveredByFile(Token + "\n");
                ledger.Record(Run($"{Token}\n", "", "admin", "token", "--token-file", "t"));
                break;
            default:
                ledger.Record("a gateway log", $"info: registered with key {TestSecrets.DerivedKey}");
                break;
        }

        Assert.Throws<TrueException>(ledger.AssertNoSecretLeaked);
    }
}
