using System.Security.Cryptography;
using Edge.Drivers.Bluetooth;
using Edge.Gateway.Events;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Beacons;

/// <summary>
/// Runs the beacon side: replays a capture (<c>--ble-replay</c>) or scans on each configured receiver, feeds the
/// tracker, and publishes its events (presence and fleet health) on the event bus. A receiver that cannot be opened is
/// logged once, with the reason, and the gateway runs without it.
/// </summary>
public sealed class BeaconService : BackgroundService
{
    private readonly BeaconOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<BeaconService> _logger;
    private readonly EventBus _bus;
    private readonly BeaconTracker _tracker;
    private readonly Lock _lock = new();

    /// <summary>Created by DI.</summary>
    public BeaconService(IOptions<BeaconOptions> options, BeaconSecret secret, EventBus bus, TimeProvider time, ILogger<BeaconService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(secret);
        _options = options.Value;
        _time = time;
        _logger = logger;
        _bus = bus;
        _tracker = new BeaconTracker(_options, secret.Value, OnEvent);
    }

    /// <summary>Where beacons come from now: <c>replay</c>, <c>scanning</c> on some receivers, or <c>none</c> (no Bluetooth).</summary>
    public string Source { get; private set; } = "starting";

    /// <summary>The last problem a receiver reported, if any.</summary>
    public string? LastProblem { get; private set; }

    /// <summary>Advertising reports received since start (scanned or replayed), for the <c>edge.ble.reports</c> metric.</summary>
    public long Reports => _tracker.Reports;

    /// <summary>State for <c>GET /api/beacons</c>.</summary>
    public object Snapshot()
    {
        lock (_lock)
        {
            return new
            {
                beacons = _tracker.Beacons.Select(b => new { id = b.Id, lastSeen = b.LastSeen, missing = b.Missing, batteryMv = b.BatteryMv }).ToList(),
                occupancy = _tracker.Occupancy(),
                tracked = _tracker.Tracked,
                ignoredReports = _tracker.Ignored,
            };
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.ReplayFile is { } file)
        {
            Source = "replay";
            await ReplayAsync(file, stoppingToken);
            return;
        }

        List<ReceiverOptions> receivers = _options.Receivers.Count > 0 ? _options.Receivers : [new ReceiverOptions { Adapter = 0, Zone = "store" }];
        List<Task> scanning = [];
        foreach (ReceiverOptions receiver in receivers)
        {
            var scanner = new HciScanner(() => HciSocket.Open(receiver.Adapter), time: _time);
            try
            {
                scanner.Start();
            }
            catch (Exception ex) when (ex is BluetoothUnavailableException or HciCommandException)
            {
                scanner.Dispose();
                if (ex is BluetoothUnavailableException { Errno: 97 } or BluetoothUnavailableException { Errno: 0 })
                {
                    // No Bluetooth on this machine at all: one line says it for every receiver.
                    BeaconLog.NoBluetooth(_logger, ex.Message);
                    LastProblem = ex.Message;
                    break;
                }

                BeaconLog.Unavailable(_logger, receiver.Adapter, ex.Message);
                LastProblem = ex.Message;
                continue;
            }

            BeaconLog.Scanning(_logger, receiver.Adapter, scanner.UsesExtended ? "extended" : "legacy", receiver.Zone);
            scanning.Add(Task.Factory.StartNew(() => Scan(scanner, receiver, stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        }

        Source = scanning.Count > 0 ? $"scanning on {scanning.Count} receivers" : "none";
        await Task.WhenAll(scanning);
    }

    private void Scan(HciScanner scanner, ReceiverOptions receiver, CancellationToken stoppingToken)
    {
        using (scanner)
        using (BtsnoopWriter? recorder = _options.RecordFile is { } path ? new BtsnoopWriter(File.Create($"{path}.hci{receiver.Adapter}"), monitor: true) : null)
        {
            if (recorder is not null)
            {
                scanner.OnPacket = (packet, time) => recorder.Write(time, packet, receiver.Adapter);
            }

            var sink = new LockedSink(this, receiver.Adapter);
            string? lastProblem = null;
            DateTimeOffset nextTick = _time.GetUtcNow().AddSeconds(1);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    scanner.Pump(sink, TimeSpan.FromMilliseconds(500));
                }
                catch (Exception ex) when (ex is BluetoothUnavailableException or HciCommandException or InvalidOperationException)
                {
                    // Adapter reset or removed: wait, then reopen; repeat until it is back or the gateway stops.
                    BeaconLog.Problem(_logger, receiver.Adapter, ex.Message);
                    if (stoppingToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(5)))
                    {
                        break;
                    }

                    try
                    {
                        scanner.Reopen();
                    }
                    catch (Exception again) when (again is BluetoothUnavailableException or HciCommandException)
                    {
                        BeaconLog.Problem(_logger, receiver.Adapter, again.Message);
                    }
                }

                if (scanner.LastProblem is { } problem && problem != lastProblem)
                {
                    lastProblem = problem;
                    LastProblem = problem;
                    BeaconLog.Problem(_logger, receiver.Adapter, problem);
                }

                DateTimeOffset now = _time.GetUtcNow();
                if (now >= nextTick)
                {
                    nextTick = now.AddSeconds(1);
                    lock (_lock)
                    {
                        _tracker.Tick(now);
                    }
                }
            }
        }
    }

    private async Task ReplayAsync(string file, CancellationToken stoppingToken)
    {
        try
        {
            await using FileStream stream = File.OpenRead(file);
            // The replay path feeds the tracker from one task, so no other thread touches it meanwhile.
            BeaconReplay.Summary s = await BeaconReplay.RunAsync(stream, _tracker, _options.ReplaySpeed, _time, stoppingToken, retime: true);
            BeaconLog.ReplayDone(_logger, file, s.Events, s.Reports, s.Malformed);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            BeaconLog.ReplayFailed(_logger, file, ex.Message);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping in the middle of a replay is a normal stop
        }
    }

    // On the scanner's thread: the bus never makes it wait.
    private void OnEvent(BeaconEvent e)
    {
        BeaconLog.Event(_logger, e.Type, e.Subject, e.Zone);
        _bus.Publish(e);
    }

    private sealed class LockedSink(BeaconService service, int adapter) : IAdvertisingSink
    {
        public void OnReport(in AdvertisingReport report, ReadOnlySpan<byte> packet, DateTimeOffset time)
        {
            lock (service._lock)
            {
                service._tracker.CurrentAdapter = adapter;
                service._tracker.OnReport(report, packet, time);
            }
        }
    }
}

/// <summary>The gateway's persistent secret behind the daily salts (<c>beacon-secret.bin</c> in the data directory, created once).</summary>
public sealed class BeaconSecret
{
    /// <summary>Loads or creates the secret.</summary>
    public BeaconSecret(string dataDir)
    {
        string path = Path.Combine(dataDir, "beacon-secret.bin");
        if (File.Exists(path) && new FileInfo(path).Length == 32)
        {
            Value = File.ReadAllBytes(path);
            return;
        }

        Directory.CreateDirectory(dataDir);
        Value = RandomNumberGenerator.GetBytes(32);
        File.WriteAllBytes(path, Value);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>32 random bytes.</summary>
    public byte[] Value { get; }
}
