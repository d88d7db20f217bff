namespace Edge.Gateway.Hosting;

/// <summary>Section <c>Gateway</c>: the box itself.</summary>
public sealed class GatewayOptions
{
    /// <summary>Gateway id, unique within the store (<c>Gateway:Id</c>).</summary>
    public string Id { get; set; } = "gw-01";

    /// <summary>
    /// Directory holding all state (<c>Gateway:DataDir</c>, <c>--data-dir</c>). By default outside any source tree:
    /// systemd's <c>$STATE_DIRECTORY</c>, else <c>$XDG_STATE_HOME/edge-gateway</c>, else <c>~/.local/state/edge-gateway</c>.
    /// </summary>
    public string DataDir { get; set; } = DefaultDataDir();

    /// <summary>Local HTTP listen address(es), semicolon-separated (<c>Gateway:Urls</c>, <c>--urls</c>).</summary>
    public string Urls { get; set; } = "http://0.0.0.0:8080";

    /// <summary>
    /// A listen URL as a <see cref="Uri"/>: Kestrel's wildcard hosts (<c>+</c>, <c>*</c>) read as <c>0.0.0.0</c>, which
    /// <see cref="Uri"/> can parse. Null when it is no absolute URL.
    /// </summary>
    public static Uri? ListenUri(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return Uri.TryCreate(url.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out Uri? uri) ? uri : null;
    }

    /// <summary>The default data directory for this environment (see <see cref="DataDir"/>).</summary>
    public static string DefaultDataDir()
    {
        if (Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } systemd)
        {
            return systemd.Split(':')[0];
        }

        if (Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg)
        {
            return Path.Combine(xdg, "edge-gateway");
        }

        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? Path.GetFullPath("data") : Path.Combine(home, ".local", "state", "edge-gateway");
    }
}

/// <summary>Section <c>Store</c>.</summary>
public sealed class StoreOptions
{
    /// <summary>Store id (<c>Store:Id</c>).</summary>
    public string Id { get; set; } = "store-001";

    /// <summary>Display name.</summary>
    public string Name { get; set; } = "Demo Store";
}
