using Edge.Drivers.Bluetooth;

namespace Edge.Drivers.Tests.Bluetooth;

public class BeaconDecoderTests
{
    private static BeaconFrame[] Decode(string hex)
    {
        byte[] data = Convert.FromHexString(hex);
        var frames = new BeaconFrame[8];
        return frames[..BeaconDecoder.Decode(data, frames)];
    }

    private static string Id(string hex, BeaconFrame f) => BeaconText.Hex(Convert.FromHexString(hex).AsSpan(f.IdOffset, f.IdLength));

    [Fact]
    public void IBeacon_BeacontoolsVector()
    {
        // citruz/beacontools tests/test_parser.py test_ibeacon.
        const string hex = "0201061aff4c000215414243444546474849404142434445460001000 2f8";
        BeaconFrame f = Assert.Single(Decode(hex.Replace(" ", "", StringComparison.Ordinal)));

        Assert.Equal(BeaconKind.IBeacon, f.Kind);
        Assert.Equal("41424344-4546-4748-4940-414243444546", BeaconText.Uuid(Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal)).AsSpan(f.IdOffset, 16)));
        Assert.Equal((1, 2, -8), (f.Major, f.Minor, (int)f.Power));
    }

    [Theory]
    [InlineData("02011a1bff1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509", 9)] // AltBeacon/android-beacon-library AltBeaconTest
    [InlineData("02011a1aff1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c5", 0)]   // 0x1A length without the reserved byte, accepted by ABL
    public void AltBeacon_AndroidBeaconLibraryVectors(string hex, int reserved)
    {
        BeaconFrame f = Assert.Single(Decode(hex));

        Assert.Equal(BeaconKind.AltBeacon, f.Kind);
        Assert.Equal(0x0118, f.Major);
        Assert.Equal("2f234454cf6d4a0fadf2f4911ba9ffa600010002", Id(hex, f));
        Assert.Equal(-59, f.Power);
        Assert.Equal(reserved, f.Extra);
    }

    [Theory]
    [InlineData("0201060303aafe1716aafe00e3123456789012346789010000000000010000")] // beacontools test_eddystone_uid
    [InlineData("0201060303aafe1516aafe00e31234567890123467890100000000000001")]   // RFU truncated (AD length 0x15)
    public void EddystoneUid_WithOrWithoutRfu(string hex)
    {
        BeaconFrame f = Assert.Single(Decode(hex));

        Assert.Equal(BeaconKind.EddystoneUid, f.Kind);
        Assert.Equal(-29, f.Power);
        Assert.Equal("12345678901234678901", Id(hex, f)[..20]);
    }

    [Fact]
    public void EddystoneUrl_BeacontoolsVector_ExpandsSchemeAndSuffix()
    {
        const string hex = "0303aafe1316aafe10f803676974687562006369747275 7a";
        string clean = hex.Replace(" ", "", StringComparison.Ordinal);
        BeaconFrame f = Assert.Single(Decode(clean));

        Assert.Equal(-8, f.Power);
        Assert.Equal("https://github.com/citruz", BeaconText.Url(f.Extra, Convert.FromHexString(clean).AsSpan(f.IdOffset, f.IdLength)));
    }

    [Fact]
    public void EddystoneTlm_BeacontoolsVector_UptimeIsInTenthsOfASecond()
    {
        // beacontools test_eddystone_tlm; the trailing e4 starts an AD structure that overruns and ends the walk.
        BeaconFrame f = Assert.Single(Decode("0201060303aafe1116aafe20000b1813000000146700002ac4e4"));

        Assert.Equal(BeaconKind.EddystoneTlm, f.Kind);
        Assert.Equal(2840, f.BatteryMv);
        Assert.Equal(19.0, f.TemperatureC);
        Assert.Equal(5223u, f.Count);
        Assert.Equal(10948u, f.Uptime);
    }

    [Theory]
    [InlineData("ff80", -0.5)]   // signed 8.8: beacontools reads it unsigned and gets 255.5
    [InlineData("f600", -10.0)]
    [InlineData("8000", null)]   // 0x8000 = not supported
    public void EddystoneTlm_TemperatureIsSigned88(string temp, double? expected)
    {
        BeaconFrame f = Assert.Single(Decode($"1116aafe20000b18{temp}0000146700002ac4"));

        Assert.Equal(expected, f.TemperatureC);
    }

    [Fact]
    public void EddystoneEtlm_SaltAndMicAreBigEndian()
    {
        // The spec's encrypted TLM (tlm-encrypted.md); beacontools reads salt and MIC little-endian (44510, 65470), wrongly.
        BeaconFrame f = Assert.Single(Decode("0201060303aafe1516aafe2001414141414141414141414141deadbeff"));

        Assert.Equal(BeaconKind.EddystoneEtlm, f.Kind);
        Assert.Equal(0xDEAD, f.Salt);
        Assert.Equal(0xBEFF, f.Mic);
    }

    [Fact]
    public void EddystoneEid_BeacontoolsVector()
    {
        const string hex = "0201060303aafe0d16aafe30e34549445f74657374";
        BeaconFrame f = Assert.Single(Decode(hex));

        Assert.Equal((BeaconKind.EddystoneEid, -29), (f.Kind, (int)f.Power));
        Assert.Equal("4549445f74657374", Id(hex, f));
        Assert.Equal((sbyte?)-70, f.PowerAt1m); // Eddystone: 0 m power − 41 dB
    }

    [Theory]
    [InlineData("")]
    [InlineData("30303030303030")]                                                       // beacontools "0000000"
    [InlineData("0201060303")]                                                           // overruns
    [InlineData("0201060303aafe1716aafe01e3123456789012346789010000000000010000")]       // frame type 0x01: low nibble must be 0
    [InlineData("0201060303aafe1116aafe21000b1813000000146700002ac4")]                  // vendor 0x21 is not TLM
    [InlineData("1116aafe20010b1813000000146700002ac4")]                                // TLM version 1 with plain length
    [InlineData("1aff4c000215414243444546474849404142434445460001000 2")]                // iBeacon one byte short
    [InlineData("0b16aafe10f8040102030405")]                                             // URL scheme 4 does not exist
    [InlineData("0816aafe10f80320ff41")]                                                 // URL bytes 0x20 and 0xff are not URL bytes
    [InlineData("1cff1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c50900")]          // AltBeacon too long
    [InlineData("0016aafe")]                                                             // zero length ends the walk
    public void MalformedOrForeignData_YieldsNoFrame(string hex)
    {
        Assert.Empty(Decode(hex.Replace(" ", "", StringComparison.Ordinal)));
    }

    [Fact]
    public void SeveralFrames_AreReturnedInOrderOfAppearance_AndAnOverrunStopsTheWalkKeepingEarlierOnes()
    {
        string uid = "1716aafe00e3123456789012346789010000000000010000";
        string eid = "0d16aafe30e34549445f74657374";
        BeaconFrame[] frames = Decode("020106" + uid + eid + "ff0102");

        Assert.Equal([BeaconKind.EddystoneUid, BeaconKind.EddystoneEid], frames.Select(f => f.Kind));
    }

    [Fact]
    public void Decode_AllocatesNothing()
    {
        byte[] data = Convert.FromHexString("0201060303aafe1716aafe00e3123456789012346789010000000000010000");
        Span<BeaconFrame> frames = stackalloc BeaconFrame[4];
        BeaconDecoder.Decode(data, frames);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            BeaconDecoder.Decode(data, frames);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
