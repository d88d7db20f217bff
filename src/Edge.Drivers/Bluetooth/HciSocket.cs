using System.Runtime.InteropServices;

namespace Edge.Drivers.Bluetooth;

/// <summary>A bidirectional HCI packet channel: the raw socket, or a fake controller in tests.</summary>
public interface IHciChannel : IDisposable
{
    /// <summary>Sends one H4 packet (a command starts with 0x01).</summary>
    void Write(ReadOnlySpan<byte> packet);

    /// <summary>Reads one H4 packet into <paramref name="buffer"/>; returns 0 when nothing arrived within the timeout.</summary>
    int Read(Span<byte> buffer, TimeSpan timeout);
}

/// <summary>Bluetooth cannot be used; the message says why and what to do.</summary>
public sealed class BluetoothUnavailableException(string message, int errno = 0) : Exception(message)
{
    /// <summary>The errno behind it (0 when none).</summary>
    public int Errno { get; } = errno;
}

/// <summary>
/// A raw HCI socket on Linux (AF_BLUETOOTH, BTPROTO_HCI, HCI_CHANNEL_RAW) with a filter for Command Complete,
/// Command Status and LE Meta events. Opening fails with a <see cref="BluetoothUnavailableException"/> whose message
/// names the cause: no Bluetooth in this kernel or network namespace, no such adapter, no permission.
/// </summary>
public sealed partial class HciSocket : IHciChannel
{
    private const int AfBluetooth = 31;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    private const int BtprotoHci = 1;
    private const int SolHci = 0;
    private const int HciFilterOption = 2;
    private const short PollIn = 1;

    private int _fd;

    private HciSocket(int fd) => _fd = fd;

    /// <summary>Opens and binds <c>hci{deviceId}</c>.</summary>
    /// <exception cref="BluetoothUnavailableException">With a message naming the cause.</exception>
    public static HciSocket Open(int deviceId)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new BluetoothUnavailableException("BLE scanning uses a Linux raw HCI socket; this is not Linux");
        }

        int fd = socket(AfBluetooth, SockRaw | SockCloexec, BtprotoHci);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new BluetoothUnavailableException(Explain(HciStage.Open, errno, deviceId), errno);
        }

        var address = new SockaddrHci { Family = AfBluetooth, Device = (ushort)deviceId, Channel = 0 };
        if (bind(fd, ref address, Marshal.SizeOf<SockaddrHci>()) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            _ = close(fd); // best effort on the error path
            throw new BluetoothUnavailableException(Explain(HciStage.Bind, errno, deviceId), errno);
        }

        // Events only: Command Complete 0x0E, Command Status 0x0F, LE Meta 0x3E. Without CAP_NET_RAW the kernel silently
        // removes LE Meta from this filter, which is why the scanner watches for "no reports at all".
        var filter = new HciFilter { TypeMask = 1u << 4, Event0 = (1u << 0x0E) | (1u << 0x0F), Event1 = 1u << (0x3E - 32) };
        if (setsockopt(fd, SolHci, HciFilterOption, ref filter, Marshal.SizeOf<HciFilter>()) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            _ = close(fd); // best effort on the error path
            throw new BluetoothUnavailableException($"cannot set the HCI event filter (errno {errno})", errno);
        }

        return new HciSocket(fd);
    }

    /// <summary>Where a socket call failed.</summary>
    public enum HciStage
    {
        /// <summary>socket().</summary>
        Open,

        /// <summary>bind() to the adapter.</summary>
        Bind,

        /// <summary>write() of a command.</summary>
        Write,

        /// <summary>read() of an event.</summary>
        Read,
    }

    /// <summary>What an errno means at a stage, in words a technician can act on.</summary>
    public static string Explain(HciStage stage, int errno, int deviceId) => (stage, errno) switch
    {
        (HciStage.Open, 97) => "no Bluetooth: this kernel has no AF_BLUETOOTH, or the gateway is not in the host network namespace (run the container with network_mode: host)",
        (HciStage.Open or HciStage.Bind, 1 or 13) => "not permitted to use a raw HCI socket: grant CAP_NET_RAW (systemd AmbientCapabilities, or cap_add: NET_RAW)",
        (HciStage.Bind, 19) => $"adapter hci{deviceId} not found (no such device)",
        (HciStage.Write, 100) => "the adapter is down (ENETDOWN): power it on (bluetoothctl power on)",
        (HciStage.Write, 1) => "LE commands need CAP_NET_RAW (EPERM)",
        (HciStage.Write or HciStage.Read, 19) => "the adapter was removed (ENODEV)",
        _ => $"HCI {stage.ToString().ToLowerInvariant()} failed (errno {errno})",
    };

    /// <inheritdoc />
    public unsafe void Write(ReadOnlySpan<byte> packet)
    {
        fixed (byte* p = packet)
        {
            if (write(_fd, p, packet.Length) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new BluetoothUnavailableException(Explain(HciStage.Write, errno, -1), errno);
            }
        }
    }

    /// <inheritdoc />
    public unsafe int Read(Span<byte> buffer, TimeSpan timeout)
    {
        var pfd = new PollFd { Fd = _fd, Events = PollIn };
        int ready = poll(ref pfd, 1, (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue));
        if (ready <= 0)
        {
            return 0;
        }

        fixed (byte* p = buffer)
        {
            nint n = read(_fd, p, buffer.Length);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new BluetoothUnavailableException(Explain(HciStage.Read, errno, -1), errno);
            }

            return (int)n;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_fd > 0)
        {
            _ = close(_fd);
            _fd = -1;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockaddrHci
    {
        public ushort Family;
        public ushort Device;
        public ushort Channel;
    }

    [StructLayout(LayoutKind.Sequential, Size = 16)]
    private struct HciFilter
    {
        public uint TypeMask;
        public uint Event0;
        public uint Event1;
        public ushort Opcode;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int bind(int fd, ref SockaddrHci address, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsockopt(int fd, int level, int name, ref HciFilter value, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(ref PollFd fds, nuint count, int timeoutMs);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
