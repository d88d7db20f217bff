using BenchmarkDotNet.Attributes;
using Edge.Drivers.Bluetooth;
using Edge.Gateway.Beacons;
using Edge.Gateway.Simulation;

namespace Edge.Bench;

/// <summary>Per-advertisement cost: HCI parse plus beacon decode, and the tracker's handling of a report.</summary>
[MemoryDiagnoser]
public class BleBenchmarks
{
    private readonly AdvertisingReport[] _reports = new AdvertisingReport[32];
    private readonly BeaconFrame[] _frames = new BeaconFrame[8];
    private byte[] _ibeacon = [];
    private byte[] _eddystoneUid = [];
    private byte[] _foreign = [];
    private BeaconTracker? _tracker;
    private DateTimeOffset _time = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [GlobalSetup]
    public void Setup()
    {
        _ibeacon = Packet(Convert.FromHexString("0201061aff4c000215e2c56db5dffb48d2b060d0f5a71096e000075001c5"));
        _eddystoneUid = Packet(Convert.FromHexString("0201060303aafe1716aafe00e3a1a2a3a4a5a6a7a8a9aa0000000000020000"));
        _foreign = Packet(Convert.FromHexString("02011a07ff4c0001020304"));
        _tracker = new BeaconTracker(SimulatedBeaconCapture.Options(), new byte[32], _ => { });
    }

    [Benchmark]
    public int ParseAndDecode_IBeacon() => ParseAndDecode(_ibeacon);

    [Benchmark]
    public int ParseAndDecode_EddystoneUid() => ParseAndDecode(_eddystoneUid);

    [Benchmark]
    public int Tracker_ShopperReport() => Track(_ibeacon);

    [Benchmark]
    public int Tracker_ForeignDeviceIgnored() => Track(_foreign);

    private int ParseAndDecode(byte[] packet)
    {
        HciEvents.ParseAdvertising(packet, _reports, out int n, out _);
        return BeaconDecoder.Decode(packet.AsSpan(_reports[0].DataOffset, _reports[0].DataLength), _frames) + n;
    }

    private int Track(byte[] packet)
    {
        HciEvents.ParseAdvertising(packet, _reports, out int n, out _);
        _time = _time.AddMilliseconds(100);
        _tracker!.OnReport(_reports[0], packet, _time);
        return n;
    }

    private static byte[] Packet(byte[] data) =>
        [0x04, 0x3E, (byte)(12 + data.Length), 0x02, 0x01, 0x03, 0x01, 1, 2, 3, 4, 5, 6, (byte)data.Length, .. data, 0xC5];
}
