using System.Buffers.Binary;

namespace Edge.Drivers.Bluetooth;

/// <summary>Receives advertising reports on the scanner thread. Must return quickly.</summary>
public interface IAdvertisingSink
{
    /// <summary>One report; <paramref name="packet"/> holds its data at <see cref="AdvertisingReport.DataOffset"/>.</summary>
    void OnReport(in AdvertisingReport report, ReadOnlySpan<byte> packet, DateTimeOffset time);
}

/// <summary>Sees every valid advertising packet as read, e.g. to record it.</summary>
public delegate void PacketObserver(ReadOnlySpan<byte> packet, DateTimeOffset time);

/// <summary>Scanner settings.</summary>
public sealed class HciScannerOptions
{
    /// <summary>Scan interval and window (equal: continuous scanning), in 0.625 ms units; 0x60 = 60 ms.</summary>
    public ushort IntervalUnits { get; set; } = 0x0060;

    /// <summary>How long a controller may take to answer a command.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>No report for this long climbs one rung of the recovery ladder.</summary>
    public TimeSpan NoReportsAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Let the ladder send HCI_Reset. Off by default: on a controller the kernel and bluetoothd manage, a reset
    /// throws away their configuration; only allow it where the gateway owns the adapter.
    /// </summary>
    public bool AllowReset { get; set; }
}

/// <summary>
/// Passive LE scanning over an <see cref="IHciChannel"/>: reads the controller's supported commands and uses the
/// extended scan commands when both are supported, the legacy ones otherwise (never a mix, which controllers refuse
/// with Command Disallowed); duplicate filtering off so every advertisement's RSSI arrives; every command's status
/// checked. When reports stop, it climbs a recovery ladder: restart the scan, then HCI reset, then reopen the socket.
/// </summary>
public sealed class HciScanner : IDisposable
{
    private const ushort ReadLocalSupportedCommands = 0x1002;
    private const ushort Reset = 0x0C03;
    private const ushort LeSetScanParameters = 0x200B;
    private const ushort LeSetScanEnable = 0x200C;
    private const ushort LeSetExtendedScanParameters = 0x2041;
    private const ushort LeSetExtendedScanEnable = 0x2042;

    private readonly Func<IHciChannel> _open;
    private readonly HciScannerOptions _options;
    private readonly TimeProvider _time;
    private readonly byte[] _buffer = new byte[300];
    private readonly AdvertisingReport[] _reports = new AdvertisingReport[32];
    private IHciChannel? _channel;
    private long _lastActivity;
    private int _rung;

    /// <summary>Creates a scanner; <see cref="Start"/> opens the channel and starts scanning.</summary>
    public HciScanner(Func<IHciChannel> open, HciScannerOptions? options = null, TimeProvider? time = null)
    {
        _open = open;
        _options = options ?? new HciScannerOptions();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>True when the controller supports (and the scanner uses) the extended scan commands.</summary>
    public bool UsesExtended { get; private set; }

    /// <summary>Called with each advertising packet before its reports are delivered (recording).</summary>
    public PacketObserver? OnPacket { get; set; }

    /// <summary>Reports delivered.</summary>
    public long Reports { get; private set; }

    /// <summary>Packets that were not valid HCI events.</summary>
    public long Malformed { get; private set; }

    /// <summary>Recovery counters: scan restarts, HCI resets, socket reopens.</summary>
    public (int Restarts, int Resets, int Reopens) Recoveries { get; private set; }

    /// <summary>What the scanner last had to say about missing reports or a failure.</summary>
    public string? LastProblem { get; private set; }

    /// <summary>Opens the channel and starts scanning.</summary>
    /// <exception cref="BluetoothUnavailableException">No adapter, no permission, or the controller refused the commands.</exception>
    public void Start()
    {
        _channel = _open();
        Configure();
        _lastActivity = _time.GetTimestamp();
    }

    /// <summary>Closes the channel and opens and configures a new one (the adapter was reset or re-plugged); counted as a reopen.</summary>
    /// <exception cref="BluetoothUnavailableException">The adapter is still gone.</exception>
    public void Reopen()
    {
        (int restarts, int resets, int reopens) = Recoveries;
        Recoveries = (restarts, resets, reopens + 1);
        _channel?.Dispose();
        _channel = null;
        _channel = _open();
        Configure();
        _lastActivity = _time.GetTimestamp();
        _rung = 0;
    }

    /// <summary>
    /// Reads what arrives within <paramref name="wait"/> and hands reports to the sink; climbs the recovery ladder when
    /// nothing has arrived for <see cref="HciScannerOptions.NoReportsAfter"/>. Returns the number of reports delivered.
    /// </summary>
    public int Pump(IAdvertisingSink sink, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(sink);
        IHciChannel channel = _channel ?? throw new InvalidOperationException("Start the scanner first.");
        int n = channel.Read(_buffer, wait);
        if (n == 0)
        {
            if (_time.GetElapsedTime(_lastActivity) >= _options.NoReportsAfter)
            {
                Recover();
            }

            return 0;
        }

        ReadOnlySpan<byte> packet = _buffer.AsSpan(0, n);
        HciParseResult result = HciEvents.ParseAdvertising(packet, _reports, out int count, out _);
        if (result == HciParseResult.Malformed)
        {
            Malformed++;
            return 0;
        }

        if (count == 0)
        {
            return 0;
        }

        _lastActivity = _time.GetTimestamp();
        _rung = 0;
        DateTimeOffset now = _time.GetUtcNow();
        OnPacket?.Invoke(packet, now);
        for (int i = 0; i < count; i++)
        {
            sink.OnReport(_reports[i], packet, now);
        }

        Reports += count;
        return count;
    }

    /// <summary>Stops scanning and closes the channel.</summary>
    public void Dispose()
    {
        if (_channel is null)
        {
            return;
        }

        try
        {
            SetEnabled(false);
        }
        catch (Exception ex) when (ex is BluetoothUnavailableException or HciCommandException)
        {
            // Going away anyway.
        }

        _channel.Dispose();
        _channel = null;
    }

    private void Recover()
    {
        _lastActivity = _time.GetTimestamp();
        _rung++;
        if (_rung == 2 && !_options.AllowReset)
        {
            _rung = 3;
        }

        LastProblem = $"no advertising reports for {_options.NoReportsAfter.TotalSeconds:F0} s: no beacons in range, the kernel stopped the scan, or CAP_NET_RAW is missing (the kernel then drops LE events silently)";
        (int restarts, int resets, int reopens) = Recoveries;
        try
        {
            switch (_rung)
            {
                case 1:
                    Recoveries = (restarts + 1, resets, reopens);
                    SetEnabled(false);
                    SetEnabled(true);
                    break;
                case 2:
                    Recoveries = (restarts, resets + 1, reopens);
                    Command(Reset, []);
                    Configure();
                    break;
                default:
                    Recoveries = (restarts, resets, reopens + 1);
                    _channel?.Dispose();
                    _channel = _open();
                    Configure();
                    _rung = 0;
                    break;
            }
        }
        catch (Exception ex) when (ex is BluetoothUnavailableException or HciCommandException)
        {
            LastProblem = ex.Message;
        }
    }

    private void Configure()
    {
        byte[] supported = Command(ReadLocalSupportedCommands, []);
        // Supported_Commands octet 37, bits 5 and 6: LE Set Extended Scan Parameters / Enable (Core Vol 4 Part E 6.27).
        UsesExtended = supported.Length > 1 + 37 && (supported[1 + 37] & 0x60) == 0x60;
        SetEnabled(false, tolerateDisallowed: true); // a previous process may have left scanning on
        Span<byte> p = stackalloc byte[8];
        if (UsesExtended)
        {
            // own address public, accept all, PHY 1M; then for 1M: passive, interval, window.
            p[0] = 0;
            p[1] = 0;
            p[2] = 0x01;
            p[3] = 0;
            BinaryPrimitives.WriteUInt16LittleEndian(p[4..], _options.IntervalUnits);
            BinaryPrimitives.WriteUInt16LittleEndian(p[6..], _options.IntervalUnits);
            Command(LeSetExtendedScanParameters, p[..8]);
        }
        else
        {
            p[0] = 0; // passive
            BinaryPrimitives.WriteUInt16LittleEndian(p[1..], _options.IntervalUnits);
            BinaryPrimitives.WriteUInt16LittleEndian(p[3..], _options.IntervalUnits);
            p[5] = 0; // own address public
            p[6] = 0; // accept all
            Command(LeSetScanParameters, p[..7]);
        }

        SetEnabled(true);
    }

    private void SetEnabled(bool on, bool tolerateDisallowed = false)
    {
        // Filter_Duplicates = 0: duplicate filtering would leave one report per device and no RSSI stream.
        byte[] parameters = UsesExtended ? [on ? (byte)1 : (byte)0, 0, 0, 0, 0, 0] : [on ? (byte)1 : (byte)0, 0];
        try
        {
            Command(UsesExtended ? LeSetExtendedScanEnable : LeSetScanEnable, parameters);
        }
        catch (HciCommandException ex) when (tolerateDisallowed && ex.Status == 0x0C)
        {
            // Disabling a scan that is not running is disallowed on some controllers; that is fine.
        }
    }

    private byte[] Command(ushort opcode, ReadOnlySpan<byte> parameters)
    {
        IHciChannel channel = _channel ?? throw new InvalidOperationException("no channel");
        byte[] packet = [0x01, (byte)opcode, (byte)(opcode >> 8), (byte)parameters.Length, .. parameters];
        channel.Write(packet);
        long deadline = _time.GetTimestamp() + (long)(_options.CommandTimeout.TotalSeconds * _time.TimestampFrequency);
        while (_time.GetTimestamp() < deadline)
        {
            int n = channel.Read(_buffer, _options.CommandTimeout);
            if (n == 0)
            {
                break;
            }

            ReadOnlySpan<byte> e = _buffer.AsSpan(0, n);
            if (n >= 7 && e[0] == 0x04 && e[1] == HciEvents.CommandComplete && BinaryPrimitives.ReadUInt16LittleEndian(e[4..]) == opcode)
            {
                byte status = e[6];
                return status == 0 ? e[6..].ToArray() : throw new HciCommandException(opcode, status);
            }

            if (n >= 7 && e[0] == 0x04 && e[1] == HciEvents.CommandStatus && BinaryPrimitives.ReadUInt16LittleEndian(e[5..]) == opcode && e[3] != 0)
            {
                throw new HciCommandException(opcode, e[3]);
            }
        }

        throw new BluetoothUnavailableException($"the controller did not answer command 0x{opcode:x4} within {_options.CommandTimeout.TotalSeconds:F0} s");
    }
}

/// <summary>The controller refused a command.</summary>
public sealed class HciCommandException(ushort opcode, byte status) : Exception($"controller refused command 0x{opcode:x4}: status 0x{status:x2}{(status == 0x0C ? " (Command Disallowed: the other scan command set is in use, or the scan state forbids it)" : status == 0x01 ? " (Unknown HCI Command)" : "")}")
{
    /// <summary>The command.</summary>
    public ushort Opcode { get; } = opcode;

    /// <summary>The HCI status code.</summary>
    public byte Status { get; } = status;
}
