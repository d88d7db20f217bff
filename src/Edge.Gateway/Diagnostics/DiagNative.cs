using System.Runtime.InteropServices;

namespace Edge.Gateway.Diagnostics;

/// <summary>The few libc calls the checks need. Every one returns null where it cannot be asked (not Linux, no such symbol).</summary>
internal static partial class DiagNative
{
    /// <summary>adjtimex's return value when the kernel considers the clock unsynchronised (STA_UNSYNC).</summary>
    public const int TimeError = 5;

    // struct timex differs between 32- and 64-bit ABIs, but only `modes` (the first field, an int everywhere) is read
    // by the kernel when it is 0, and only the return value is used: a zeroed buffer larger than any layout will do.
    private const int TimexBufferSize = 512;

    // struct statx is the same on every architecture: stx_gid is the u32 at offset 24 (after mask, blksize, attributes, nlink, uid).
    private const int StatxBufferSize = 256;
    private const int StatxGidOffset = 24;
    private const uint StatxGid = 0x10;
    private const int AtFdCwd = -100;

    /// <summary>The kernel's clock state (0-4 synchronised, <see cref="TimeError"/> not), or null when it cannot be read.</summary>
    public static int? ClockState()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        byte[] timex = new byte[TimexBufferSize];
        try
        {
            int state = Adjtimex(ref timex[0]);
            return state < 0 ? null : state;
        }
        catch (EntryPointNotFoundException)
        {
            // A libc without the Linux name still has the POSIX-ish one.
            try
            {
                int state = NtpAdjtime(ref timex[0]);
                return state < 0 ? null : state;
            }
            catch (EntryPointNotFoundException)
            {
                return null;
            }
        }
        catch (DllNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The group id owning <paramref name="path"/>, or null.</summary>
    public static uint? GroupId(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        byte[] buffer = new byte[StatxBufferSize];
        try
        {
            return Statx(AtFdCwd, path, 0, StatxGid, ref buffer[0]) == 0 ? BitConverter.ToUInt32(buffer, StatxGidOffset) : null;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "adjtimex", SetLastError = true)]
    private static partial int Adjtimex(ref byte timex);

    [LibraryImport("libc", EntryPoint = "ntp_adjtime", SetLastError = true)]
    private static partial int NtpAdjtime(ref byte timex);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte statx);
}
