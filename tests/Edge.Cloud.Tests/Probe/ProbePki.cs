using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Edge.Cloud.Tests.Probe;

/// <summary>
/// A small PKI written as PEM files for Mosquitto and the probe: a CA the gateway trusts, an unrelated CA, and
/// server certificates signed by the trusted CA for the right name, another name, and a validity that has ended.
/// </summary>
internal sealed class ProbePki : IDisposable
{
    private readonly X509Certificate2 _ca;
    private readonly ECDsa _caKey;

    public ProbePki()
    {
        Dir = Directory.CreateTempSubdirectory("edge-probe-pki-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            // Mosquitto drops root for its own user before it reads these files.
            File.SetUnixFileMode(Dir, (UnixFileMode)0b111_101_101);
        }

        (_ca, _caKey) = CreateCa("CN=Probe Test CA");
        CaFile = Write("ca.pem", _ca.ExportCertificatePem());
        (X509Certificate2 other, ECDsa otherKey) = CreateCa("CN=Some Other CA");
        OtherCaFile = Write("other-ca.pem", other.ExportCertificatePem());
        other.Dispose();
        otherKey.Dispose();
        Server = Leaf("server", "CN=localhost", ["localhost"], DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        OtherName = Leaf("other-name", "CN=other", ["other.example"], DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        Expired = Leaf("expired", "CN=localhost", ["localhost"], DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-2));
    }

    public string Dir { get; }

    /// <summary>The CA that signed every server certificate here.</summary>
    public string CaFile { get; }

    /// <summary>A CA that signed nothing the broker presents.</summary>
    public string OtherCaFile { get; }

    /// <summary>For <c>localhost</c> (and 127.0.0.1), valid now.</summary>
    public (string Cert, string Key) Server { get; }

    /// <summary>For <c>other.example</c>, valid now.</summary>
    public (string Cert, string Key) OtherName { get; }

    /// <summary>For <c>localhost</c>, expired two days ago.</summary>
    public (string Cert, string Key) Expired { get; }

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
        Directory.Delete(Dir, recursive: true);
    }

    private static (X509Certificate2, ECDsa) CreateCa(string subject)
    {
        ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return (request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-60), DateTimeOffset.UtcNow.AddDays(60)), key);
    }

    private (string Cert, string Key) Leaf(string name, string subject, string[] dnsNames, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (string dns in dnsNames)
        {
            san.AddDnsName(dns);
        }

        if (dnsNames.Contains("localhost"))
        {
            san.AddIpAddress(IPAddress.Loopback);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        using X509Certificate2 cert = request.Create(_ca, notBefore, notAfter, RandomNumberGenerator.GetBytes(8));
        return (Write(name + ".pem", cert.ExportCertificatePem()), Write(name + ".key", key.ExportPkcs8PrivateKeyPem()));
    }

    private string Write(string name, string pem)
    {
        string path = Path.Combine(Dir, name);
        File.WriteAllText(path, pem);
        return path;
    }
}
