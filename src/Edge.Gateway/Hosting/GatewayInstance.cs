
namespace Edge.Gateway.Hosting;

/// <summary>
/// One gateway per data directory, and how the CLI finds it: a running gateway holds <c>gateway.lock</c> for its
/// whole life (the kernel releases it when the process dies, even by SIGKILL) and writes where its admin API listens
/// to <c>gateway.endpoint</c>. A CLI that can take the lock knows no gateway runs, and holds it while it changes the
/// data directory directly, so a gateway starting meanwhile waits for it.
/// </summary>
public sealed class GatewayInstance : IDisposable
{
    /// <summary>Held while a gateway (or an offline CLI command) uses the data directory.</summary>
    public const string LockFile = "gateway.lock";

    /// <summary>Where the running gateway's admin API answers: a symbolic link whose target is the URL.</summary>
    public const string EndpointFile = "gateway.endpoint";

    private readonly FileStream _lock;
    private readonly string _dataDir;

    private GatewayInstance(FileStream held, string dataDir)
    {
        _lock = held;
        _dataDir = dataDir;
    }

    /// <summary>Takes the lock, waiting up to <paramref name="wait"/> for a short CLI command to finish; null when a gateway holds it.</summary>
    public static GatewayInstance? TryAcquire(string dataDir, TimeSpan wait, TimeProvider? time = null)
    {
        SiteFiles.CreateDirectory(dataDir);
        return SiteFiles.TryLock(Path.Combine(dataDir, LockFile), wait, time) is { } held ? new GatewayInstance(held, dataDir) : null;
    }

    /// <summary>
    /// Records where the admin API listens, for the CLI, as the target of a symbolic link: a short target lives in the
    /// inode itself and takes no data block. Written beside the databases, a one-block file was enough to move the
    /// moment a 2 MiB disk filled into one LiteDB does not recover from (the disk-full test; see the README's State).
    /// </summary>
    public void Advertise(string adminUrl)
    {
        string path = Path.Combine(_dataDir, EndpointFile);
        string aside = path + ".new";
        File.Delete(aside);
        File.CreateSymbolicLink(aside, adminUrl);
        File.Move(aside, path, overwrite: true);
    }

    /// <summary>The running gateway's admin URL, or null when none is advertised.</summary>
    public static string? AdvertisedAdminUrl(string dataDir)
    {
        try
        {
            return new FileInfo(Path.Combine(dataDir, EndpointFile)).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            File.Delete(Path.Combine(_dataDir, EndpointFile));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Stale, and harmless: the lock is what says a gateway runs.
        }

        _lock.Dispose();
    }
}
