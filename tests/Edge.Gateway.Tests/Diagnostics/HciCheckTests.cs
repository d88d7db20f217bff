using Edge.Gateway.Diagnostics;

namespace Edge.Gateway.Tests.Diagnostics;

public sealed class HciCheckTests : IDisposable
{
    // CapEff of root (all bits), and of a plain user (none).
    private const string AllCaps = "000001ffffffffff";
    private const string NoCaps = "0000000000000000";

    private readonly FakeTree _sys = new();
    private readonly FakeTree _proc = new();

    private void CapEff(string hex) => _proc.File("self/status", $"Name:\tedge-gateway\nCapInh:\t0000000000000000\nCapEff:\t{hex}\nCapBnd:\t{AllCaps}\n");

    private DiagCheck Run() => SystemChecks.Hci(_sys.Root, _proc.Root);

    [Fact]
    public void No_adapter_skips_and_says_no_beacons()
    {
        CapEff(AllCaps);

        DiagCheck check = Run();

        Assert.Equal("hci", check.Name);
        Assert.Equal(CheckStatus.Skip, check.Status);
        Assert.Contains("no beacons", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Adapter_with_both_capabilities_is_ok()
    {
        _sys.Dir("class/bluetooth/hci0");
        _sys.Dir("class/bluetooth/hci0:64"); // a connection, not an adapter
        CapEff(AllCaps);

        DiagCheck check = Run();

        Assert.Equal(CheckStatus.Ok, check.Status);
        Assert.StartsWith("hci0;", check.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(NoCaps, "CAP_NET_RAW and CAP_NET_ADMIN")]
    [InlineData("0000000000001000", "CAP_NET_RAW")] // bit 12 only: NET_ADMIN
    [InlineData("0000000000002000", "CAP_NET_ADMIN")] // bit 13 only: NET_RAW
    public void Missing_capability_fails_naming_it_and_the_fix(string capEff, string missing)
    {
        _sys.Dir("class/bluetooth/hci0");
        CapEff(capEff);

        DiagCheck check = Run();

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains($"lacks {missing},", check.Detail, StringComparison.Ordinal);
        Assert.Contains("AmbientCapabilities", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Rfkill_soft_block_fails_with_the_unblock_command()
    {
        _sys.File("class/bluetooth/hci0/rfkill0/soft", "1\n");
        _sys.File("class/bluetooth/hci0/rfkill0/hard", "0\n");
        CapEff(AllCaps);

        DiagCheck check = Run();

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("rfkill unblock bluetooth", check.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("zz-not-hex")]
    public void Unreadable_or_garbage_status_warns_that_capabilities_are_unknown(string? capEff)
    {
        _sys.Dir("class/bluetooth/hci0");
        if (capEff is null)
        {
            _proc.Unreadable("self/status");
        }
        else
        {
            CapEff(capEff);
        }

        DiagCheck check = Run();

        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.Contains("capabilities unknown", check.Detail, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _sys.Dispose();
        _proc.Dispose();
    }
}
