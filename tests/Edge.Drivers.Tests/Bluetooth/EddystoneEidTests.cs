using Edge.Drivers.Bluetooth;

namespace Edge.Drivers.Tests.Bluetooth;

public class EddystoneEidTests
{
    private static readonly byte[] IdentityKey = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");

    [Fact]
    public void Compute_MatchesTheSpecsConstructionComputedWithOpenssl()
    {
        // google/eddystone eid-computation.md publishes no numeric vector. Expected value computed independently with
        // `openssl enc -aes-128-ecb -nopad` over the spec's blocks: temporary key = AES(IK, 00x11 ff 0000 1234) =
        // c90ff3b2c496abdeb698ef97e23d880c; EID = AES(tk, 00x11 0a 12345400)[0..8] for K = 10, TS = 0x12345678.
        byte[] eid = EddystoneEid.Compute(IdentityKey, 10, 0x12345678);

        Assert.Equal("dbb4dc143e0cf3f3", Convert.ToHexStringLower(eid));
    }

    [Fact]
    public void Compute_IsConstantWithinARotationPeriod_AndChangesAcrossIt()
    {
        byte[] a = EddystoneEid.Compute(IdentityKey, 10, 0x12345400);
        byte[] b = EddystoneEid.Compute(IdentityKey, 10, 0x123457FF);
        byte[] c = EddystoneEid.Compute(IdentityKey, 10, 0x12345800);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Resolver_FindsTheRegisteredDevice_InTheCurrentAndNeighbouringPeriods_AndNothingElse()
    {
        var resolver = new EidResolver();
        const long offset = 1_700_000_000; // the beacon's clock started at this wall-clock second
        resolver.Register("shopper-app-7", IdentityKey, 9, offset);
        long now = offset + 100_000;

        Assert.Equal("shopper-app-7", resolver.Resolve(EddystoneEid.Compute(IdentityKey, 9, 100_000), now));
        Assert.Equal("shopper-app-7", resolver.Resolve(EddystoneEid.Compute(IdentityKey, 9, 100_000 + 512), now)); // beacon clock a period ahead
        Assert.Null(resolver.Resolve(EddystoneEid.Compute(IdentityKey, 9, 100_000 + 5120), now));
        Assert.Null(resolver.Resolve(EddystoneEid.Compute(Convert.FromHexString("ffeeddccbbaa99887766554433221100"), 9, 100_000), now));
    }

    [Fact]
    public void BadKeysAndExponents_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => EddystoneEid.Compute(new byte[15], 9, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => EddystoneEid.Compute(IdentityKey, 16, 0));
    }
}
