using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GateKiosk.Core.Credentials.Signed;

/// <summary>What a trusted key may sign: GateKiosk pass kinds and EU DCC types.</summary>
public static class KeyUsages
{
    public const string DccVaccination = "eu-dcc-vaccination";
    public const string DccTest = "eu-dcc-test";
    public const string DccRecovery = "eu-dcc-recovery";

    /// <summary>Shorthand in trust files for all three DCC types.</summary>
    public const string Dcc = "eu-dcc";

    /// <summary>Every usage a trust file may name.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Contracts.CredentialKinds.StaffPass, Contracts.CredentialKinds.VisitorPass, Contracts.CredentialKinds.HealthDeclaration,
        Dcc, DccVaccination, DccTest, DccRecovery,
    ];
}

/// <summary>The signature algorithms a trusted key is paired with; anything else is refused.</summary>
public enum KeyAlgorithm
{
    /// <summary>ECDSA on P-256 with SHA-256 (COSE -7).</summary>
    ES256,

    /// <summary>RSASSA-PSS with SHA-256, RSA of 2048 bits or more (COSE -37).</summary>
    PS256,
}

/// <summary>
/// One key the kiosk trusts: its id, public key, the usages it may sign and, for a certificate, its validity.
/// A key is paired with exactly one algorithm (P-256 ↔ ES256, RSA ≥ 2048 ↔ PS256): a P-384 key claiming ES256 is refused.
/// </summary>
public sealed class TrustedKey
{
    /// <summary>DCC extended key usage OIDs for test, vaccination, recovery (and the variants some issuers used).</summary>
    private static readonly (string Oid, string Usage)[] DccOids =
    [
        ("1.3.6.1.4.1.1847.2021.1.1", KeyUsages.DccTest),
        ("1.3.6.1.4.1.1847.2021.1.2", KeyUsages.DccVaccination),
        ("1.3.6.1.4.1.1847.2021.1.3", KeyUsages.DccRecovery),
        ("1.3.6.1.4.1.0.1847.2021.1.1", KeyUsages.DccTest),
        ("1.3.6.1.4.1.0.1847.2021.1.2", KeyUsages.DccVaccination),
        ("1.3.6.1.4.1.0.1847.2021.1.3", KeyUsages.DccRecovery),
    ];

    private TrustedKey(byte[] kid, AsymmetricAlgorithm key, KeyAlgorithm algorithm, string issuer, IReadOnlySet<string>? usages, DateTimeOffset? notBefore, DateTimeOffset? notAfter)
    {
        Kid = kid;
        Key = key;
        Algorithm = algorithm;
        Issuer = issuer;
        Usages = usages;
        NotBefore = notBefore;
        NotAfter = notAfter;
    }

    /// <summary>The key id as it appears in the COSE header.</summary>
    public byte[] Kid { get; }

    /// <summary>The public key (<see cref="ECDsa"/> or <see cref="RSA"/>).</summary>
    public AsymmetricAlgorithm Key { get; }

    /// <summary>The only algorithm this key verifies.</summary>
    public KeyAlgorithm Algorithm { get; }

    /// <summary>A display name of the signer (certificate subject or configured name); never a secret.</summary>
    public string Issuer { get; }

    /// <summary>The usages it may sign; null when unrestricted.</summary>
    public IReadOnlySet<string>? Usages { get; }

    /// <summary>Certificate validity start, when the key came with a certificate.</summary>
    public DateTimeOffset? NotBefore { get; }

    /// <summary>Certificate validity end, when the key came with a certificate.</summary>
    public DateTimeOffset? NotAfter { get; }

    /// <summary>True when this key may sign <paramref name="usage"/>.</summary>
    public bool Allows(string usage) => Usages is null || Usages.Contains(usage);

    /// <summary>
    /// A key from a DER certificate. The key id defaults to the first 8 bytes of SHA-256 of the DER (the DCC rule).
    /// Without <paramref name="usages"/>, the certificate's DCC key usages decide: no extended key usage means every DCC type,
    /// one without DCC OIDs means none.
    /// </summary>
    public static TrustedKey FromCertificate(byte[] der, byte[]? kid = null, IEnumerable<string>? usages = null)
    {
        ArgumentNullException.ThrowIfNull(der);
        using var cert = X509CertificateLoader.LoadCertificate(der);
        var (key, algorithm) = PublicKeyOf(cert);
        IReadOnlySet<string> allowed;
        if (usages is not null)
        {
            allowed = Expand(usages);
        }
        else
        {
            var eku = cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
            var oids = eku?.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToList() ?? [];
            allowed = oids.Count == 0
                ? Expand([KeyUsages.Dcc])
                : DccOids.Where(d => oids.Contains(d.Oid)).Select(d => d.Usage).ToHashSet(StringComparer.Ordinal);
        }

        return new TrustedKey(kid ?? SHA256.HashData(der)[..8], key, algorithm, cert.Subject, allowed, cert.NotBefore.ToUniversalTime(), cert.NotAfter.ToUniversalTime());
    }

    /// <summary>A key from a PEM public key (SubjectPublicKeyInfo). The key id defaults to <see cref="KidOf"/>.</summary>
    public static TrustedKey FromPem(string pem, byte[]? kid = null, IEnumerable<string>? usages = null, string? issuer = null)
    {
        ArgumentNullException.ThrowIfNull(pem);
        AsymmetricAlgorithm key;
        if (pem.Contains("RSA PUBLIC KEY", StringComparison.Ordinal))
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            key = rsa;
        }
        else
        {
            var spki = PemEncoding.Find(pem);
            var der = Convert.FromBase64String(pem[spki.Base64Data]);
            key = ImportSpki(der);
        }

        return FromKey(key, kid, usages, issuer);
    }

    /// <summary>A key from a public key object (tests, issuance). The key id defaults to <see cref="KidOf"/>.</summary>
    public static TrustedKey FromKey(AsymmetricAlgorithm key, byte[]? kid = null, IEnumerable<string>? usages = null, string? issuer = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var algorithm = AlgorithmOf(key);
        return new TrustedKey(kid ?? KidOf(key), key, algorithm, issuer ?? "key", usages is null ? null : Expand(usages), null, null);
    }

    /// <summary>The key id GateKiosk gives a bare key: the first 8 bytes of SHA-256 of its SubjectPublicKeyInfo DER.</summary>
    public static byte[] KidOf(AsymmetricAlgorithm key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SHA256.HashData(key.ExportSubjectPublicKeyInfo())[..8];
    }

    private static AsymmetricAlgorithm ImportSpki(byte[] der)
    {
        try
        {
            var ec = ECDsa.Create();
            ec.ImportSubjectPublicKeyInfo(der, out _);
            return ec;
        }
        catch (CryptographicException)
        {
            var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(der, out _);
            return rsa;
        }
    }

    private static (AsymmetricAlgorithm Key, KeyAlgorithm Algorithm) PublicKeyOf(X509Certificate2 cert)
    {
        AsymmetricAlgorithm key = (AsymmetricAlgorithm?)cert.GetECDsaPublicKey() ?? cert.GetRSAPublicKey()
            ?? throw new NotSupportedException("The certificate's key is neither EC nor RSA.");
        return (key, AlgorithmOf(key));
    }

    private static KeyAlgorithm AlgorithmOf(AsymmetricAlgorithm key) => key switch
    {
        ECDsa ec when ec.ExportParameters(false).Curve.Oid.Value == "1.2.840.10045.3.1.7" => KeyAlgorithm.ES256,
        RSA rsa when rsa.KeySize >= 2048 => KeyAlgorithm.PS256,
        _ => throw new NotSupportedException($"Unsupported key: {key.GetType().Name} of {key.KeySize} bits (GateKiosk verifies ES256 on P-256 and PS256 on RSA ≥ 2048)."),
    };

    private static HashSet<string> Expand(IEnumerable<string> usages)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var usage in usages)
        {
            if (usage == KeyUsages.Dcc)
            {
                set.UnionWith([KeyUsages.DccVaccination, KeyUsages.DccTest, KeyUsages.DccRecovery]);
            }
            else
            {
                set.Add(usage);
            }
        }

        return set;
    }
}
