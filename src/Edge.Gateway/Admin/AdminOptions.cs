using Edge.Gateway.Hosting;

namespace Edge.Gateway.Admin;

/// <summary>Section <c>Admin</c>: the technician's admin API and page.</summary>
public sealed class AdminOptions
{
    /// <summary>Where the admin API listens on hardware when <see cref="Urls"/> is not set: this box only.</summary>
    public const string HardwareDefaultUrls = "http://127.0.0.1:8081";

    /// <summary>
    /// Listen URLs of the admin endpoints (<c>/admin</c>, <c>/api/admin/*</c>), ';'-separated, on ports of their own.
    /// Not set: loopback port 8081 on hardware, and the gateway's own listener in simulation. Empty: the gateway's own
    /// listener.
    /// </summary>
    public string? Urls { get; set; }

    /// <summary>Failed token attempts one client address may make in a minute before it is refused (429) for the rest of it.</summary>
    public int MaxFailedAttemptsPerMinute { get; set; } = 5;

    /// <summary>The admin URLs in force: <see cref="Urls"/> or its default for the mode; empty means shared with <c>Gateway:Urls</c>.</summary>
    public string[] Resolve(bool simulated) =>
        (Urls ?? (simulated ? "" : HardwareDefaultUrls)).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Checks <c>Admin</c>, naming each bad key.</summary>
// Reads Gateway:Urls itself: asking for the validated GatewayOptions here would report its problems a second time.
internal sealed class AdminOptionsValidator(BindingProblems binding, IConfiguration configuration) : SectionValidator<AdminOptions>(binding)
{
    protected override IEnumerable<string> Problems(AdminOptions o)
    {
        if (o.MaxFailedAttemptsPerMinute is < 1 or > 100)
        {
            yield return "Admin:MaxFailedAttemptsPerMinute must be from 1 to 100";
        }

        HashSet<int> gatewayPorts = [.. Ports(configuration["Gateway:Urls"] ?? new GatewayOptions().Urls).Where(p => p > 0)];
        foreach (string url in (o.Urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/")
            {
                yield return $"Admin:Urls: '{url}' is not an http(s)://host:port URL";
            }
            else if (gatewayPorts.Contains(uri.Port))
            {
                yield return $"Admin:Urls: port {uri.Port} is also in Gateway:Urls; give the admin API a port of its own, or set Admin:Urls to \"\" to share the gateway's listener";
            }
        }
    }

    private static IEnumerable<int> Ports(string urls) =>
        urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(u => GatewayOptions.ListenUri(u)?.Port ?? -1);
}
