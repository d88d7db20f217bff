namespace Edge.Cloud.Probe;

/// <summary>Where a probe connects, and the settings a detail tells the technician to check.</summary>
/// <param name="Host">Host name or address.</param>
/// <param name="Port">TCP port.</param>
/// <param name="HostKey">The setting that holds the host, e.g. <c>Cloud:Mqtt:Host</c>.</param>
/// <param name="PortKey">The setting that holds the port.</param>
/// <param name="TlsKey">The setting that turns TLS on, or null where TLS is mandatory.</param>
/// <param name="CaKey">The setting that holds the CA file.</param>
/// <param name="CaFile">The CA file (the system store when empty).</param>
internal sealed record ProbeEndpoint(string Host, int Port, string HostKey, string PortKey, string? TlsKey, string CaKey, string? CaFile)
{
    public string Target => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
