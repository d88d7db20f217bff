using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Edge.Cloud.Tests.IotHub;

/// <summary>A self-signed server certificate for localhost, and its PEM for the client to trust.</summary>
internal sealed class TestCertificate : IDisposable
{
    public TestCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        // Re-import so the private key is usable by SslStream on Linux.
        Certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
        CaFile = Path.Combine(Path.GetTempPath(), $"edge-test-ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(CaFile, Certificate.ExportCertificatePem());
    }

    public X509Certificate2 Certificate { get; }

    public string CaFile { get; }

    public void Dispose()
    {
        Certificate.Dispose();
        File.Delete(CaFile);
    }
}
