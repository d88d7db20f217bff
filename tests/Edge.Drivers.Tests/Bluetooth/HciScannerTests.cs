using Edge.Drivers.Bluetooth;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Drivers.Tests.Bluetooth;

public class HciScannerTests
{
    /// <summary>A controller at the byte level: answers every command with a Command Complete, as real ones do.</summary>
    private sealed class FakeController(bool extended) : IHciChannel
    {
        public List<string> Commands { get; } = [];

        public Queue<byte[]> Incoming { get; } = new();

        public Dictionary<ushort, byte> Refuse { get; } = [];

        public bool Disposed { get; private set; }

        public void Write(ReadOnlySpan<byte> packet)
        {
            Commands.Add(Convert.ToHexStringLower(packet));
            ushort opcode = (ushort)(packet[1] | (packet[2] << 8));
            byte status = Refuse.GetValueOrDefault(opcode);
            byte[] ret = opcode == 0x1002 && status == 0 ? [0, .. SupportedCommands()] : [status];
            Incoming.Enqueue([0x04, 0x0E, (byte)(3 + ret.Length), 0x01, packet[1], packet[2], .. ret]);
        }

        public int Read(Span<byte> buffer, TimeSpan timeout)
        {
            if (!Incoming.TryDequeue(out byte[]? p))
            {
                return 0;
            }

            p.CopyTo(buffer);
            return p.Length;
        }

        public void Dispose() => Disposed = true;

        private byte[] SupportedCommands()
        {
            byte[] bitmap = new byte[64];
            bitmap[37] = extended ? (byte)0x60 : (byte)0x00;
            return bitmap;
        }
    }

    private sealed class Sink : IAdvertisingSink
    {
        public List<AdvertisingReport> Reports { get; } = [];

        public void OnReport(in AdvertisingReport report, ReadOnlySpan<byte> packet, DateTimeOffset time) => Reports.Add(report);
    }

    [Fact]
    public void Start_OnAnExtendedController_UsesOnlyTheExtendedSet_PassiveWithDuplicateFilteringOff()
    {
        var controller = new FakeController(extended: true);
        using var scanner = new HciScanner(() => controller);

        scanner.Start();

        Assert.True(scanner.UsesExtended);
        Assert.Equal(
        [
            "01021000",                     // Read Local Supported Commands
            "01422006000000000000",         // disable first
            "0141200800000100600060 00".Replace(" ", "", StringComparison.Ordinal), // public, accept all, 1M: passive, 60 ms / 60 ms
            "01422006010000000000",         // enable, Filter_Duplicates 0
        ], controller.Commands);
    }

    [Fact]
    public void Start_OnALegacyController_UsesOnlyTheLegacySet()
    {
        var controller = new FakeController(extended: false);
        using var scanner = new HciScanner(() => controller);

        scanner.Start();

        Assert.False(scanner.UsesExtended);
        Assert.Equal(["01021000", "010c20020000", "010b2007006000600000 00".Replace(" ", "", StringComparison.Ordinal), "010c20020100"], controller.Commands);
    }

    [Fact]
    public void Start_WhenTheControllerRefusesTheParameters_FailsNamingCommandDisallowed()
    {
        var controller = new FakeController(extended: false);
        controller.Refuse[0x200B] = 0x0C;
        using var scanner = new HciScanner(() => controller);

        var ex = Assert.Throws<HciCommandException>(scanner.Start);

        Assert.Equal(0x200B, ex.Opcode);
        Assert.Contains("Command Disallowed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pump_DeliversReports()
    {
        var controller = new FakeController(extended: false);
        using var scanner = new HciScanner(() => controller);
        scanner.Start();
        var sink = new Sink();
        controller.Incoming.Enqueue(HciPackets.Legacy((0x03, 0x01, [1, 2, 3, 4, 5, 6], [0x02, 0x01, 0x06], -60)));
        controller.Incoming.Enqueue([0x04, 0x3E, 0x09]); // malformed: counted, not thrown

        Assert.Equal(1, scanner.Pump(sink, TimeSpan.Zero));
        Assert.Equal(0, scanner.Pump(sink, TimeSpan.Zero));

        Assert.Equal((sbyte)-60, Assert.Single(sink.Reports).Rssi);
        Assert.Equal(1, scanner.Malformed);
    }

    [Fact]
    public void NoReports_ClimbTheRecoveryLadder_RestartResetReopen()
    {
        var time = new FakeTimeProvider();
        var opened = new List<FakeController>();
        using var scanner = new HciScanner(() => { var c = new FakeController(extended: false); opened.Add(c); return c; }, new HciScannerOptions { NoReportsAfter = TimeSpan.FromSeconds(30), AllowReset = true }, time);
        scanner.Start();
        var sink = new Sink();

        for (int rung = 0; rung < 3; rung++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            scanner.Pump(sink, TimeSpan.Zero);
        }

        Assert.Equal((1, 1, 1), scanner.Recoveries);
        Assert.Contains("010c20020000", opened[0].Commands.Skip(4)); // restart: disable and enable again
        Assert.Contains("01030c00", opened[0].Commands);              // HCI reset
        Assert.Equal(2, opened.Count);                                 // reopened
        Assert.True(opened[0].Disposed);
        Assert.Contains("CAP_NET_RAW", scanner.LastProblem, StringComparison.Ordinal);
    }

    [Fact]
    public void ByDefault_TheLadderNeverResetsAKernelManagedController()
    {
        var time = new FakeTimeProvider();
        var opened = new List<FakeController>();
        using var scanner = new HciScanner(() => { var c = new FakeController(extended: true); opened.Add(c); return c; }, new HciScannerOptions { NoReportsAfter = TimeSpan.FromSeconds(30) }, time);
        scanner.Start();

        for (int rung = 0; rung < 2; rung++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            scanner.Pump(new Sink(), TimeSpan.Zero);
        }

        Assert.Equal((1, 0, 1), scanner.Recoveries);
        Assert.DoesNotContain(opened.SelectMany(c => c.Commands), c => c.StartsWith("01030c", StringComparison.Ordinal));
    }

    [Fact]
    public void AdapterRemoved_ReadFails_ThenReopenConfiguresANewChannel()
    {
        var opened = new List<RemovableController>();
        using var scanner = new HciScanner(() => { var c = new RemovableController(); opened.Add(c); return c; });
        scanner.Start();
        opened[0].Removed = true;

        var ex = Assert.Throws<BluetoothUnavailableException>(() => scanner.Pump(new Sink(), TimeSpan.Zero));
        scanner.Reopen();

        Assert.Contains("removed", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, opened.Count);
        Assert.True(opened[0].Disposed);
        Assert.Equal((0, 0, 1), scanner.Recoveries);
        Assert.Equal(4, opened[1].Inner.Commands.Count); // configured again from scratch
    }

    private sealed class RemovableController : IHciChannel
    {
        public FakeController Inner { get; } = new(extended: false);

        public bool Removed { get; set; }

        public bool Disposed => Inner.Disposed;

        public void Write(ReadOnlySpan<byte> packet) => Inner.Write(packet);

        public int Read(Span<byte> buffer, TimeSpan timeout) =>
            Removed ? throw new BluetoothUnavailableException(HciSocket.Explain(HciSocket.HciStage.Read, 19, 0), 19) : Inner.Read(buffer, timeout);

        public void Dispose() => Inner.Dispose();
    }

    [Fact]
    public void RealSocket_OnAMachineWithoutBluetooth_FailsWithAClearReason()
    {
        // This machine has no Bluetooth adapter (and no AF_BLUETOOTH); the real P/Invoke path must say so, not crash.
        var ex = Assert.Throws<BluetoothUnavailableException>(() => HciSocket.Open(0).Dispose());

        Assert.True(ex.Message.StartsWith("no Bluetooth", StringComparison.Ordinal) || ex.Message.Contains("hci0 not found", StringComparison.Ordinal) || ex.Message.Contains("CAP_NET_RAW", StringComparison.Ordinal), ex.Message);
        Assert.Contains(ex.Errno, new[] { 97, 19, 1, 13 });
    }
}

public class HciSocketMessagesTests
{
    [Theory]
    [InlineData(HciSocket.HciStage.Open, 97, "no Bluetooth")]
    [InlineData(HciSocket.HciStage.Open, 97, "host network namespace")]
    [InlineData(HciSocket.HciStage.Open, 1, "CAP_NET_RAW")]
    [InlineData(HciSocket.HciStage.Bind, 13, "CAP_NET_RAW")]
    [InlineData(HciSocket.HciStage.Bind, 19, "adapter hci3 not found")]
    [InlineData(HciSocket.HciStage.Write, 100, "adapter is down")]
    [InlineData(HciSocket.HciStage.Write, 1, "LE commands need CAP_NET_RAW")]
    [InlineData(HciSocket.HciStage.Read, 19, "adapter was removed")]
    [InlineData(HciSocket.HciStage.Read, 5, "HCI read failed (errno 5)")]
    public void EveryFailure_IsExplainedInWordsATechnicianCanActOn(HciSocket.HciStage stage, int errno, string expected)
    {
        Assert.Contains(expected, HciSocket.Explain(stage, errno, 3), StringComparison.Ordinal);
    }
}
