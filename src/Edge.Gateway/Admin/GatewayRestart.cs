namespace Edge.Gateway.Admin;

/// <summary>
/// Restarts the gateway inside its process to apply a layout or cloud change: the host stops as it does at a normal
/// stop (journal and outbox flushed) and <see cref="Hosting.GatewayHost"/> starts it again from the files as they are
/// now. Requested after the response that caused it has gone out.
/// </summary>
public sealed class GatewayRestart(IHostApplicationLifetime lifetime, ILogger<GatewayRestart> logger)
{
    private int _requested;

    /// <summary>True once a restart was asked for: the host runs again when it has stopped.</summary>
    public bool Requested => Volatile.Read(ref _requested) == 1;

    /// <summary>Stops the host once <paramref name="http"/>'s response has been sent, then runs it again.</summary>
    public void After(HttpContext http, string why)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.OnCompleted(() =>
        {
            Request(why);
            return Task.CompletedTask;
        });
    }

    /// <summary>Stops the host now, to run it again.</summary>
    public void Request(string why)
    {
        if (Interlocked.Exchange(ref _requested, 1) == 0)
        {
            AdminLog.Restarting(logger, why);
            lifetime.StopApplication();
        }
    }
}
