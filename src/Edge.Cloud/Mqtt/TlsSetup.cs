using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace Edge.Cloud.Mqtt;

/// <summary>TLS for every MQTT connection the gateway makes: server name, an optional private CA, an optional client certificate.</summary>
public static class TlsSetup
{
    /// <summary>Configures <paramref name="tls"/>; files are PEM.</summary>
    public static void Configure(MqttClientTlsOptionsBuilder tls, string host, string? caFile, string? certFile, string? keyFile)
    {
        ArgumentNullException.ThrowIfNull(tls);
        tls.UseTls().WithTargetHost(host);
        if (!string.IsNullOrEmpty(caFile))
        {
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(caFile);
            tls.WithTrustChain(chain);
        }

        if (!string.IsNullOrEmpty(certFile))
        {
            tls.WithClientCertificates(new X509Certificate2Collection(X509Certificate2.CreateFromPemFile(certFile, keyFile)));
        }
    }
}
