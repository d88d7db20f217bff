using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Edge.Cloud.Mqtt;
using MQTTnet;

namespace Edge.Cloud.Probe;

/// <summary>
/// The TLS stage. Its trust rules are the link's own: the options come from <see cref="TlsSetup.Configure"/> (the call
/// every MQTT connection of the gateway makes) and are applied to <see cref="SslStream"/> as MQTTnet 5.2 applies them
/// (<c>MqttTcpChannel.WrapWithTlsAsync</c>): the configured CA as the only trust anchor (custom root trust,
/// end-certificate revocation "unknown" ignored), otherwise the system store; TLS 1.2 or 1.3; a certificate is
/// accepted only when the policy errors are none. The validation callback records why, so the detail can tell a
/// name mismatch from a chain that ends elsewhere.
/// </summary>
internal static class TlsStage
{
    /// <summary>The authenticated stream (owning the socket), or null with the failure recorded (the socket disposed).</summary>
    public static async Task<SslStream?> HandshakeAsync(ProbeRun run, ProbeEndpoint ep, Socket socket, string? certFile, string? keyFile, string certKey)
    {
        long started = ProbeRun.Start();
        MqttClientTlsOptions tls;
        try
        {
            var builder = new MqttClientTlsOptionsBuilder();
            TlsSetup.Configure(builder, ep.Host, ep.CaFile, certFile, keyFile);
            tls = builder.Build();
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            socket.Dispose();
            string which = CaReadable(ep.CaFile) ? $"{certKey} '{certFile}' (or its key)" : $"{ep.CaKey} '{ep.CaFile}'";
            run.Fail(ProbeStage.Tls, ep.Target, started, ProbeCodes.TlsBadFile, $"TLS: cannot read {which}: {ex.Message}");
            return null;
        }

        var seen = new Seen();
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), false, (_, certificate, chain, errors) => seen.Validate(certificate, chain, errors, tls.IgnoreCertificateChainErrors));
        try
        {
            await ssl.AuthenticateAsClientAsync(Options(tls, ep.Host), run.Token);
            X509Certificate2? leaf = seen.Leaf;
            run.Ok(ProbeStage.Tls, ep.Target, started,
                $"TLS: {Protocol(ssl.SslProtocol)}, certificate '{leaf?.Subject}' issued by '{leaf?.Issuer}', valid until {leaf?.NotAfter.ToUniversalTime():yyyy-MM-dd} (trusted via {Anchor(ep, tls)})");
            return ssl;
        }
        catch (OperationCanceledException) when (run.TimedOut)
        {
            await ssl.DisposeAsync();
            run.Fail(ProbeStage.Tls, ep.Target, started, ProbeCodes.TimeoutNoAnswer, $"TLS: {ep.Target} accepted TCP but did not complete the TLS handshake within {run.Seconds} s");
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync();
            (string code, string detail) = seen.Errors is { } errors && errors != SslPolicyErrors.None
                ? Diagnose(ep, tls, seen, errors)
                : (ProbeCodes.TlsHandshakeFailed, $"TLS: the handshake with {ep.Target} failed: {Innermost(ex)} (is this port a TLS listener? check {ep.PortKey}{(ep.TlsKey is null ? "" : " and " + ep.TlsKey)})");
            run.Fail(ProbeStage.Tls, ep.Target, started, code, detail);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
        finally
        {
            seen.Dispose();
        }

        return null;
    }

    // MQTTnet's MqttTcpChannel.CreateSslAuthenticationOptions and WrapWithTlsAsync, field by field. EncryptionPolicy
    // (obsolete) is left at SslStream's default, RequireEncryption, which is also MQTTnet's and TlsSetup never changes it.
    private static SslClientAuthenticationOptions Options(MqttClientTlsOptions tls, string host)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = string.IsNullOrEmpty(tls.TargetHost) ? host : tls.TargetHost,
            ApplicationProtocols = tls.ApplicationProtocols,
            ClientCertificates = tls.ClientCertificatesProvider?.GetCertificates(),
            EnabledSslProtocols = tls.SslProtocol,
            CertificateRevocationCheckMode = tls.IgnoreCertificateRevocationErrors ? X509RevocationMode.NoCheck : tls.RevocationMode,
            CipherSuitesPolicy = tls.CipherSuitesPolicy,
            AllowRenegotiation = tls.AllowRenegotiation,
        };
        if (tls.TrustChain?.Count > 0)
        {
            options.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                VerificationFlags = X509VerificationFlags.IgnoreEndRevocationUnknown,
                RevocationMode = tls.IgnoreCertificateRevocationErrors ? X509RevocationMode.NoCheck : tls.RevocationMode,
            };
            options.CertificateChainPolicy.CustomTrustStore.AddRange(tls.TrustChain);
        }

        return options;
    }

    // Expired first (the right certificate, renew it), then the name (the wrong host or certificate), then the chain.
    private static (string Code, string Detail) Diagnose(ProbeEndpoint ep, MqttClientTlsOptions tls, Seen seen, SslPolicyErrors errors)
    {
        string subject = seen.Leaf?.Subject ?? "(none)";
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return (ProbeCodes.TlsNoCertificate, $"TLS: {ep.Target} sent no certificate");
        }

        if (seen.Expired is { } expired)
        {
            DateTime from = expired.NotBefore.ToUniversalTime(), to = expired.NotAfter.ToUniversalTime();
            string when = DateTime.UtcNow > to ? $"expired on {to:yyyy-MM-dd HH:mm} UTC" : $"is not valid before {from:yyyy-MM-dd HH:mm} UTC";
            return (ProbeCodes.TlsExpired, $"TLS: the certificate '{expired.Subject}' {when} (renew it on the broker, or check the gateway's clock: now {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            string names = seen.DnsNames.Count == 0 ? "" : $" (names: {string.Join(", ", seen.DnsNames)})";
            string chainToo = errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors) ? $"; its chain does not end at {Anchor(ep, tls)} either" : "";
            return (ProbeCodes.TlsNameMismatch, $"TLS: the certificate is for '{subject}'{names} not '{ep.Host}' (name mismatch; check {ep.HostKey} or the broker's certificate{chainToo})");
        }

        string statuses = seen.ChainStatus == X509ChainStatusFlags.NoError ? "chain error" : seen.ChainStatus.ToString().Replace(", ", " / ", StringComparison.Ordinal);
        if (seen.ChainStatus.HasFlag(X509ChainStatusFlags.Revoked))
        {
            return (ProbeCodes.TlsRevoked, $"TLS: the certificate '{subject}' or its issuer is revoked ({statuses})");
        }

        return (ProbeCodes.TlsUntrustedChain, $"TLS: the certificate chain of '{subject}' (issued by '{seen.Leaf?.Issuer}') does not end at {Anchor(ep, tls)} ({statuses})");
    }

    private static string Anchor(ProbeEndpoint ep, MqttClientTlsOptions tls) =>
        tls.TrustChain?.Count > 0 ? $"the configured CA ({ep.CaKey} '{ep.CaFile}')"
        : string.IsNullOrEmpty(ep.CaFile) ? "the system's trusted roots"
        : $"the system's trusted roots ({ep.CaKey} '{ep.CaFile}' holds no certificate, so the link uses the system store too)";

    private static bool CaReadable(string? caFile)
    {
        if (string.IsNullOrEmpty(caFile))
        {
            return true;
        }

        try
        {
            new X509Certificate2Collection().ImportFromPemFile(caFile);
            return true;
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string Protocol(SslProtocols p) => p switch
    {
        SslProtocols.Tls13 => "TLS 1.3",
        SslProtocols.Tls12 => "TLS 1.2",
        _ => p.ToString(),
    };

    private static string Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex.Message;
    }

    /// <summary>What the validation callback saw; the chain object is only valid during the callback.</summary>
    private sealed class Seen : IDisposable
    {
        public SslPolicyErrors? Errors { get; private set; }

        public X509Certificate2? Leaf { get; private set; }

        public X509Certificate2? Expired { get; private set; }

        public X509ChainStatusFlags ChainStatus { get; private set; }

        public List<string> DnsNames { get; } = [];

        public bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, bool ignoreChainErrors)
        {
            Errors = errors;
            if (certificate is not null)
            {
                Leaf = new X509Certificate2(certificate);
                foreach (X509SubjectAlternativeNameExtension san in Leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>())
                {
                    DnsNames.AddRange(san.EnumerateDnsNames());
                    DnsNames.AddRange(san.EnumerateIPAddresses().Select(a => a.ToString()));
                }
            }

            if (chain is not null)
            {
                foreach (X509ChainElement element in chain.ChainElements)
                {
                    foreach (X509ChainStatus status in element.ChainElementStatus)
                    {
                        ChainStatus |= status.Status;
                        if (status.Status == X509ChainStatusFlags.NotTimeValid && Expired is null)
                        {
                            Expired = new X509Certificate2(element.Certificate);
                        }
                    }
                }

                foreach (X509ChainStatus status in chain.ChainStatus)
                {
                    ChainStatus |= status.Status;
                }
            }

            // MQTTnet's InternalUserCertificateValidationCallback with no handler configured (TlsSetup sets none).
            if (ignoreChainErrors)
            {
                errors &= ~SslPolicyErrors.RemoteCertificateChainErrors;
            }

            return errors == SslPolicyErrors.None;
        }

        public void Dispose()
        {
            Leaf?.Dispose();
            Expired?.Dispose();
        }
    }
}
