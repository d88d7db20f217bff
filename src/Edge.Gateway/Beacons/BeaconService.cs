using System.Security.Cryptography;
using System.Text.Json;
using Edge.Cloud.Outbox;
using Edge.Drivers.Bluetooth;

namespace Edge.Gateway.Beacons;

/// <summary>
/// Runs the beacon side: replays a capture (<c>--ble-replay</c>) or scans on each configured receiver, feeds the
/// tracker, and sends its events to the cloud outbox (presence as telemetry, health as alerts). A receiver that
/// cannot be opened is logged once, with the reason, and the gateway runs without it.
/// </summary>
public sealed class BeaconService : BackgroundService
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly BeaconOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<BeaconService> _logger;
    private readonly DurableOutbox? _outbox;
    private readonly BeaconTracker _tracker;
    private readonly Lock _lock = new();

    /// <summary>Created by DI; the outbox is optional (Cloud:Mode None).</summary>
    public BeaconService(BeaconOptions options, BeaconSecret secret, TimeProvider time, ILogger<BeaconService> logger, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(secret);
        _options = options;
        _time = time;
        _logger = logger;
        _outbox = services.GetService<DurableOutbox>();
        _tracker = new BeaconTracker(options, secret.Value, OnEvent);
    }

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
                    break;
                }

                BeaconLog.Unavailable(_logger, receiver.Adapter, ex.Message);
                continue;
            }

            BeaconLog.Scanning(_logger, receiver.Adapter, scanner.UsesExtended ? "extended" : "legacy", receiver.Zone);
            scanning.Add(Task.Factory.StartNew(() => Scan(scanner, receiver, stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        }

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
    }

    private void OnEvent(BeaconEvent e)
    {
        BeaconLog.Event(_logger, e.Type, e.Subject, e.Zone);
        if (_outbox is null)
        {
            return;
        }

        bool alert = e.Type is BeaconEventType.BeaconMissing or BeaconEventType.BeaconRecovered or BeaconEventType.BeaconBatteryLow or BeaconEventType.BeaconMoved;
        // Fire and forget on purpose: the scanner thread must not wait for a commit; the outbox commits it durably,
        // or counts it as refused when it cannot (a full disk).
        try
        {
            _ = _outbox.EnqueueAsync(new OutboxEntry(alert ? "beacon-alerts" : "presence", e.Type.ToString(), alert ? MessageClass.Alert : MessageClass.Telemetry, JsonSerializer.SerializeToUtf8Bytes(e, Json), Timestamp: e.Timestamp));
        }
        catch (InvalidOperationException)
        {
            // The outbox is shut down: the gateway is stopping.
        }
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
