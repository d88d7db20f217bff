using System.Diagnostics;

namespace Edge.Gateway.Tests.FaultInjection;

/// <summary>
/// A tmpfs of a few MiB mounted for one test, as a nearly full SD card looks to the gateway: writes fail with ENOSPC.
/// <see cref="Grow"/> frees space without touching a file (a remount with a larger size). Needs root, which test.sh
/// and CI have; without it the constructor fails saying so.
/// </summary>
internal sealed class SmallDisk : IDisposable
{
    public SmallDisk(int mebibytes)
    {
        Path = Directory.CreateTempSubdirectory("edge-small-disk-").FullName;
        Run("mount", "-t", "tmpfs", "-o", $"size={mebibytes}m,mode=0755", "tmpfs", Path);
    }

    public string Path { get; }

    /// <summary>Free space the way an operator does, by making room: the filesystem grows to <paramref name="mebibytes"/>.</summary>
    public void Grow(int mebibytes) => Run("mount", "-o", $"remount,size={mebibytes}m", Path);

    /// <summary>Fills what is left with one file, as a card that ran full; returns its path (delete it to make room).</summary>
    public string Fill()
    {
        string path = System.IO.Path.Combine(Path, "filler");
        using FileStream f = File.Create(path);
        var block = new byte[64 * 1024];
        try
        {
            while (true)
            {
                f.Write(block);
                f.Flush(flushToDisk: true);
            }
        }
        catch (IOException)
        {
            // Full.
        }

        return path;
    }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        Directory.Delete(Path);
    }

    private static void Run(string command, params string[] args)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info)!;
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{command} {string.Join(' ', args)} failed ({error.Trim()}); the disk-full tests mount a tmpfs and need root");
    }
}
