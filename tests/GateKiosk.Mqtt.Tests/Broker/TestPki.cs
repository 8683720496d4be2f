using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GateKiosk.Mqtt.Tests.Broker;

/// <summary>
/// A throw-away site CA made by the test, issuing the broker's and the clients' certificates as PEM files — the
/// same shape a technician makes with openssl (deploy/mosquitto/README.md), P-256 keys, PKCS#8 PEM.
/// </summary>
internal sealed class TestPki : IDisposable
{
    private readonly ECDsa _caKey;
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    public TestPki(string folder, string caName = "GateKiosk test site CA")
    {
        Folder = folder;
        Directory.CreateDirectory(folder);
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={caName}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = request.CreateSelfSigned(_now.AddDays(-1), _now.AddYears(1));
        CaFile = Path.Combine(folder, "ca.crt");
        File.WriteAllText(CaFile, Ca.ExportCertificatePem());
    }

    public string Folder { get; }

    public X509Certificate2 Ca { get; }

    public string CaFile { get; }

    /// <summary>A broker certificate for 127.0.0.1 and localhost, written as NAME.crt and NAME.key.</summary>
    public (string Certificate, string Key) IssueServer(string name) => Issue(name, "broker.test", server: true);

    /// <summary>A client certificate with <paramref name="commonName"/>, written as FILE.crt and FILE.key.</summary>
    public (string Certificate, string Key) IssueClient(string commonName, string? file = null) => Issue(file ?? commonName, commonName, server: false);

    public void Dispose()
    {
        Ca.Dispose();
        _caKey.Dispose();
    }

    private (string Certificate, string Key) Issue(string file, string commonName, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }

        using var certificate = request.Create(Ca, _now.AddHours(-1), _now.AddDays(30), RandomNumberGenerator.GetBytes(16));
        var certificatePath = Path.Combine(Folder, file + ".crt");
        var keyPath = Path.Combine(Folder, file + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}
