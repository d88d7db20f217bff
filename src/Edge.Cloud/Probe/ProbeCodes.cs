namespace Edge.Cloud.Probe;

/// <summary>Machine-readable failure codes of <see cref="StageResult.Code"/>: stable, lower case, <c>area.what</c>.</summary>
public static class ProbeCodes
{
    /// <summary>The name does not exist (NXDOMAIN).</summary>
    public const string DnsNotFound = "dns.not-found";

    /// <summary>The name exists but has no address record.</summary>
    public const string DnsNoAddress = "dns.no-address";

    /// <summary>The resolver failed or could not be reached.</summary>
    public const string DnsFailed = "dns.failed";

    /// <summary>The resolver did not answer in time.</summary>
    public const string DnsTimeout = "dns.timeout";

    /// <summary>Every address refused the connection: nothing listens on that port.</summary>
    public const string TcpRefused = "tcp.refused";

    /// <summary>No address answered the TCP handshake in time (a firewall dropping packets, a wrong address).</summary>
    public const string TcpTimeout = "tcp.timeout";

    /// <summary>No route to the host or network.</summary>
    public const string TcpUnreachable = "tcp.unreachable";

    /// <summary>Any other socket error.</summary>
    public const string TcpFailed = "tcp.failed";

    /// <summary>The certificate does not name the configured host.</summary>
    public const string TlsNameMismatch = "tls.name-mismatch";

    /// <summary>The certificate chain does not end at a trusted root (the configured CA, or the system store).</summary>
    public const string TlsUntrustedChain = "tls.untrusted-chain";

    /// <summary>The certificate (or one in its chain) is expired or not yet valid.</summary>
    public const string TlsExpired = "tls.expired";

    /// <summary>The certificate is revoked.</summary>
    public const string TlsRevoked = "tls.revoked";

    /// <summary>The broker sent no certificate.</summary>
    public const string TlsNoCertificate = "tls.no-certificate";

    /// <summary>The handshake failed for another reason (the peer does not speak TLS, no common protocol or cipher, an alert).</summary>
    public const string TlsHandshakeFailed = "tls.handshake-failed";

    /// <summary>A configured PEM file (CA, client certificate or key) could not be read.</summary>
    public const string TlsBadFile = "tls.bad-file";

    /// <summary>CONNACK: bad user name or password (MQTT 5 0x86, 3.1.1 4).</summary>
    public const string AuthBadCredentials = "auth.bad-credentials";

    /// <summary>CONNACK: not authorised (MQTT 5 0x87, 3.1.1 5); IoT Hub and DPS say this for a wrong key.</summary>
    public const string AuthNotAuthorized = "auth.not-authorized";

    /// <summary>CONNACK: the client id is not accepted.</summary>
    public const string AuthClientIdRejected = "auth.client-id-rejected";

    /// <summary>CONNACK: the broker does not speak this MQTT version.</summary>
    public const string AuthProtocolUnsupported = "auth.protocol-unsupported";

    /// <summary>CONNACK: the broker is unavailable, busy, or banned this client; or any other refusal.</summary>
    public const string AuthRefused = "auth.refused";

    /// <summary>The broker closed the connection instead of answering CONNECT (a refused client certificate often looks like this).</summary>
    public const string AuthConnectionClosed = "auth.connection-closed";

    /// <summary>SUBACK refused the command subscription (MQTT 5 0x87, or the 3.1.1 failure 0x80).</summary>
    public const string AuthzSubscribeDenied = "authz.subscribe-denied";

    /// <summary>PUBACK refused the status publish (MQTT 5 0x87), or IoT Hub refused the twin request.</summary>
    public const string AuthzPublishDenied = "authz.publish-denied";

    /// <summary>DPS refused or failed the registration.</summary>
    public const string DpsRegistrationFailed = "dps.registration-failed";

    /// <summary>DPS refused the registration credentials at CONNECT.</summary>
    public const string DpsBadCredentials = "dps.bad-credentials";

    /// <summary>The peer accepted the connection and then did not answer within the probe's time.</summary>
    public const string TimeoutNoAnswer = "timeout.no-answer";
}
