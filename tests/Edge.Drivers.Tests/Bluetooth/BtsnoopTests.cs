using System.Buffers.Binary;
using Edge.Drivers.Bluetooth;

namespace Edge.Drivers.Tests.Bluetooth;

public class BtsnoopTests
{
    private static readonly byte[] Report = HciPackets.Legacy((0x03, 0x01, [1, 2, 3, 4, 5, 6], Convert.FromHexString("0201060303aafe0d16aafe30e34549445f74657374"), -61));

    [Fact]
    public void WrittenCaptures_ReadBack_WithTheirTimestamps()
    {
        var t0 = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
        using var file = new MemoryStream();
        using (var writer = new BtsnoopWriter(file))
        {
            writer.Write(t0, Report);
            writer.Write(t0.AddMilliseconds(1500), Report);
        }

        file.Position = 0;
        var reader = new BtsnoopReader(file);
        Assert.True(reader.TryRead(out CapturedEvent a));
        Assert.True(reader.TryRead(out CapturedEvent b));
        Assert.False(reader.TryRead(out _));

        Assert.Equal(BtsnoopReader.H4, reader.Datalink);
        Assert.Equal(Report, a.Packet);
        Assert.Equal(t0, a.Timestamp);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), b.Timestamp - a.Timestamp);
    }

    [Fact]
    public void MonitorFormat_AsBtmonWrites_KeepsEventsAndSkipsTheRest()
    {
        // Datalink 2001: flags = adapter index << 16 | opcode; opcode 3 is an event (no H4 indicator in the record).
        using var file = new MemoryStream();
        file.Write("btsnoop\0"u8);
        WriteBe(file, 1u);
        WriteBe(file, 2001u);
        Record(file, (1u << 16) | 2u, [0x03, 0x0C, 0x00]);          // command: skipped
        Record(file, (1u << 16) | 3u, Report.AsSpan(1).ToArray());  // event on hci1
        file.Position = 0;

        var reader = new BtsnoopReader(file);
        Assert.True(reader.TryRead(out CapturedEvent e));

        Assert.Equal(Report, e.Packet);
        Assert.Equal(1, e.Adapter);
        Assert.Equal(1, reader.Skipped);
    }

    [Fact]
    public void ATruncatedLastRecord_EndsTheStream_AndIsFlagged()
    {
        using var file = new MemoryStream();
        using (var writer = new BtsnoopWriter(file))
        {
            writer.Write(DateTimeOffset.UnixEpoch, Report);
            writer.Write(DateTimeOffset.UnixEpoch, Report);
        }

        var reader = new BtsnoopReader(new MemoryStream(file.ToArray()[..^5]));

        Assert.True(reader.TryRead(out _));
        Assert.False(reader.TryRead(out _));
        Assert.True(reader.Truncated);
    }

    [Theory]
    [InlineData("not a capture at all")]
    [InlineData("btsnoop\0\0\0\0\u0002\0\0\u0003\u00ea")]
    public void NotBtsnoop_IsRefusedClearly(string content)
    {
        var ex = Assert.Throws<InvalidDataException>(() => new BtsnoopReader(new MemoryStream(System.Text.Encoding.Latin1.GetBytes(content))));

        Assert.Contains("btsnoop", ex.Message, StringComparison.Ordinal);
    }

    private static void Record(Stream s, uint flags, byte[] data)
    {
        WriteBe(s, (uint)data.Length);
        WriteBe(s, (uint)data.Length);
        WriteBe(s, flags);
        WriteBe(s, 0u);
        Span<byte> ts = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(ts, 0x00E03AB44A676000);
        s.Write(ts);
        s.Write(data);
    }

    private static void WriteBe(Stream s, uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        s.Write(b);
    }
}
