using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GateKiosk.Mqtt;

/// <summary>
/// The PEM files behind <c>Mqtt:CaFile</c>, <c>Mqtt:ClientCertificateFile</c> and <c>Mqtt:ClientKeyFile</c>, and the
/// broker certificate check against a site's private CA. The files are read at every connect, so a technician can
/// replace a certificate without restarting the kiosk.
/// </summary>
internal static class MqttTlsFiles
{
    /// <summary>The certificates in a PEM file; throws <see cref="CryptographicException"/> when it holds none.</summary>
    public static X509Certificate2Collection LoadCa(string path)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        if (collection.Count == 0)
        {
            throw new CryptographicException("no '-----BEGIN CERTIFICATE-----' block found");
        }

        return collection;
    }

    /// <summary>
    /// The client certificate with its private key, from a PEM certificate and a PEM key (PKCS#8, PKCS#1 or SEC1,
    /// unencrypted); <paramref name="keyPath"/> empty reads the key from the certificate file.
    /// </summary>
    public static X509Certificate2 LoadClientCertificate(string certificatePath, string? keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, string.IsNullOrEmpty(keyPath) ? null : keyPath);

        // A key loaded from PEM is ephemeral; SslStream wants one it can hand to the TLS layer (required on Windows,
        // harmless on Linux), so round-trip through PKCS#12 in memory.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>
    /// True when the broker's certificate is acceptable: with <paramref name="trustedCas"/> it must chain to one of
    /// them (and only them: a public CA is not enough) and match the host name; without, the system's verdict stands.
    /// Revocation is not checked here: a site CA publishes no CRL endpoint the kiosk could reach offline.
    /// </summary>
    public static bool IsTrustedBroker(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection? trustedCas)
    {
        if (trustedCas is null || trustedCas.Count == 0)
        {
            return errors == SslPolicyErrors.None;
        }

        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trustedCas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(leaf);
    }
}
