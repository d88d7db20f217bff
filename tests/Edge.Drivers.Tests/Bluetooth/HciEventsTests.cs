using Edge.Drivers.Bluetooth;

namespace Edge.Drivers.Tests.Bluetooth;

public class HciEventsTests
{
    private static readonly byte[] IBeacon = Convert.FromHexString("0201061aff4c000215414243444546474849404142434445460001000 2f8".Replace(" ", "", StringComparison.Ordinal));
    private static readonly byte[] Wire = [0x35, 0x94, 0xef, 0xcd, 0xd6, 0x1c];

    private static (HciParseResult Result, AdvertisingReport[] Reports, string? Reason) Parse(byte[] packet)
    {
        var reports = new AdvertisingReport[32];
        HciParseResult result = HciEvents.ParseAdvertising(packet, reports, out int n, out string? reason);
        return (result, reports[..n], reason);
    }

    [Fact]
    public void LegacyReport_RssiFollowsTheData_AndTheAddressIsShownReversed()
    {
        byte[] packet = HciPackets.Legacy((0x03, 0x01, Wire, IBeacon, -59));

        (HciParseResult result, AdvertisingReport[] reports, _) = Parse(packet);

        Assert.Equal(HciParseResult.Ok, result);
        AdvertisingReport r = Assert.Single(reports);
        Assert.Equal("1c:d6:cd:ef:94:35", BeaconText.Address(r.Address)); // beacontools: wire 35 94 ef cd d6 1c
        Assert.Equal(("random", (sbyte)-59, (byte)3), (r.AddressTypeName, r.Rssi, r.EventType));
        Assert.Equal(IBeacon, packet.AsSpan(r.DataOffset, r.DataLength).ToArray());
    }

    [Fact]
    public void SeveralLegacyReports_AreInterleavedRecords_AsTheKernelReadsThem()
    {
        byte[] packet = HciPackets.Legacy((0x00, 0x00, Wire, IBeacon, -40), (0x04, 0x01, [1, 2, 3, 4, 5, 0xc6], [0x02, 0x01, 0x06], -90), (0x03, 0x00, Wire, [], 127));

        (HciParseResult result, AdvertisingReport[] reports, _) = Parse(packet);

        Assert.Equal(HciParseResult.Ok, result);
        Assert.Equal([(sbyte)-40, (sbyte)-90, AdvertisingReport.RssiUnavailable], reports.Select(r => r.Rssi));
        Assert.Equal("c6:05:04:03:02:01", BeaconText.Address(reports[1].Address));
        Assert.Equal(0, reports[2].DataLength);
    }

    [Fact]
    public void ExtendedReport_UsesTheExtendedOffsets_AndMasksTheEventType()
    {
        // 0x2513: a Broadcom controller's RX channel in the upper byte (Linux kernel patches); bits 0-6 are 0x13 = legacy ADV_IND.
        byte[] packet = HciPackets.Extended(0x2513, 0x00, Wire, txPower: -4, rssi: -67, sid: 0xFF, IBeacon);

        (HciParseResult result, AdvertisingReport[] reports, _) = Parse(packet);

        Assert.Equal(HciParseResult.Ok, result);
        AdvertisingReport r = Assert.Single(reports);
        Assert.True(r.Extended);
        Assert.Equal((byte)0x13, r.EventType);
        Assert.Equal((sbyte)-67, r.Rssi);
        Assert.Equal((sbyte)-4, r.TxPower);
        Assert.Equal(0, r.DataStatus);
        Assert.Equal("1c:d6:cd:ef:94:35", BeaconText.Address(r.Address));
        Assert.Equal(IBeacon, packet.AsSpan(r.DataOffset, r.DataLength).ToArray());
    }

    [Fact]
    public void ExtendedReport_DataStatusTruncated_IsReported()
    {
        // Linux kernel commit 0cadf8534f2a's example: 0x0040, a truncated non-connectable report with no data.
        (HciParseResult result, AdvertisingReport[] reports, _) = Parse(HciPackets.Extended(0x0040, 0x01, Wire, 127, -80, 1, []));

        Assert.Equal(HciParseResult.Ok, result);
        Assert.Equal((byte)2, Assert.Single(reports).DataStatus);
    }

    [Theory]
    [InlineData("040e04010c2000")] // LE Set Scan Enable complete (noble issue #230)
    [InlineData("040e0401030c00")] // Reset complete (noble issue #230)
    [InlineData("043e0401ff0000")] // another LE subevent
    public void OtherEvents_AreRecognisedAsSuch(string hex)
    {
        Assert.Equal(HciParseResult.OtherEvent, Parse(Convert.FromHexString(hex)).Result);
    }

    [Theory]
    [InlineData("", "shorter")]
    [InlineData("023e0102", "not an HCI event")]
    [InlineData("043e0502010300", "does not match")]
    [InlineData("043e020200", "no reports")]
    [InlineData("043e0c020103003594efcdd61c0541", "overruns")]
    [InlineData("043e0d020103003594efcdd61c00c5ff", "trailing")]
    public void Malformed_GivesAReason_NeverThrows(string hex, string reason)
    {
        (HciParseResult result, AdvertisingReport[] reports, string? why) = Parse(Convert.FromHexString(hex));

        Assert.Equal(HciParseResult.Malformed, result);
        Assert.Empty(reports);
        Assert.Contains(reason, why, StringComparison.Ordinal);
    }

    [Fact]
    public void Fuzz_AMillionRandomAndMutatedPackets_NothingEscapes()
    {
        var random = new Random(20261122);
        byte[][] seeds =
        [
            HciPackets.Legacy((0x03, 0x01, Wire, IBeacon, -59)),
            HciPackets.Legacy((0x00, 0x00, Wire, Convert.FromHexString("0201060303aafe1116aafe20000b1813000000146700002ac4"), -70), (0x04, 0x01, Wire, [0x02, 0x01, 0x06], -90)),
            HciPackets.Extended(0x0013, 0x00, Wire, -4, -67, 0xFF, Convert.FromHexString("0303aafe1316aafe10f8036769746875620063697472757a")),
        ];
        Span<AdvertisingReport> reports = stackalloc AdvertisingReport[32];
        Span<BeaconFrame> frames = stackalloc BeaconFrame[16];
        byte[] buffer = new byte[300];
        int ok = 0;
        for (int i = 0; i < 1_000_000; i++)
        {
            int length;
            if (i % 2 == 0)
            {
                // Mutation of a valid packet: flip, insert-by-overwrite, truncate or extend.
                byte[] seed = seeds[i % seeds.Length];
                length = Math.Clamp(seed.Length + random.Next(-4, 5), 0, buffer.Length);
                seed.AsSpan(0, Math.Min(length, seed.Length)).CopyTo(buffer);
                for (int m = random.Next(1, 4); m > 0 && length > 0; m--)
                {
                    buffer[random.Next(length)] = (byte)random.Next(256);
                }
            }
            else
            {
                // Random bytes behind a plausible header, so the parser gets past the first checks.
                length = random.Next(0, 260);
                random.NextBytes(buffer.AsSpan(0, length));
                if (length > 3)
                {
                    buffer[0] = 0x04;
                    buffer[1] = 0x3E;
                    buffer[2] = (byte)(length - 3);
                    buffer[3] = random.Next(2) == 0 ? (byte)0x02 : (byte)0x0D;
                }
            }

            ReadOnlySpan<byte> packet = buffer.AsSpan(0, length);
            if (HciEvents.ParseAdvertising(packet, reports, out int n, out _) == HciParseResult.Ok)
            {
                ok++;
                for (int r = 0; r < n; r++)
                {
                    BeaconDecoder.Decode(packet.Slice(reports[r].DataOffset, reports[r].DataLength), frames);
                }
            }

            // Every AD walk too, on the raw bytes.
            BeaconDecoder.Decode(packet, frames);
        }

        Assert.InRange(ok, 1, 999_999); // some mutations still parse; the rest are rejected, none throws
    }
}
