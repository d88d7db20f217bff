using System.Diagnostics;
using Edge.Gateway.Beacons;
using Edge.Gateway.Simulation;

namespace Edge.Bench;

/// <summary>Wall time of replaying a one-hour capture of the busy simulated store through parser, decoders and tracker.</summary>
internal static class BleReplayHarness
{
    public static async Task RunAsync(int minutes)
    {
        string file = Path.Combine(Path.GetTempPath(), $"edge-ble-{Guid.NewGuid():N}.btsnoop");
        try
        {
            var generate = Stopwatch.StartNew();
            await using (FileStream out1 = File.Create(file))
            {
                new SimulatedBeaconCapture().Write(out1, new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero), TimeSpan.FromMinutes(minutes));
            }

            long size = new FileInfo(file).Length;
            int events = 0;
            var tracker = new BeaconTracker(SimulatedBeaconCapture.Options(), new byte[32], _ => events++);
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            var replay = Stopwatch.StartNew();
            await using FileStream input = File.OpenRead(file);
            BeaconReplay.Summary s = await BeaconReplay.RunAsync(new BufferedStream(input, 1 << 16), tracker, 0, TimeProvider.System, CancellationToken.None);
            replay.Stop();
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            Console.WriteLine($"{minutes}-minute capture of the busy store ({size / 1_048_576.0:F1} MiB, {s.Reports:N0} reports, generated in {generate.Elapsed.TotalSeconds:F1} s):");
            Console.WriteLine($"  replay wall time {replay.Elapsed.TotalSeconds:F2} s = {s.Reports / replay.Elapsed.TotalSeconds:N0} reports/s through btsnoop reader, HCI parser, decoders and tracker; {events} events");
            Console.WriteLine($"  allocated {allocated / (double)s.Reports:F0} bytes per report (the btsnoop reader's per-record array and the tracker's Tick dominate)");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
