using System.Security.Cryptography;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;

namespace GateKiosk.Testing;

/// <summary>An issuer with a fresh key (ES256 on P-256 or PS256 on RSA-2048) and the trust list that trusts it.</summary>
public sealed class TestIssuer : IDisposable
{
    public TestIssuer(KeyAlgorithm algorithm = KeyAlgorithm.ES256, IEnumerable<string>? usages = null)
    {
        PrivateKey = algorithm == KeyAlgorithm.ES256 ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : RSA.Create(2048);
        Kid = TrustedKey.KidOf(PrivateKey);
        Trusted = TrustedKey.FromPem(PrivateKey.ExportSubjectPublicKeyInfoPem(), Kid, usages, "test-org");
        Trust = new TrustList([Trusted]);
    }

    public AsymmetricAlgorithm PrivateKey { get; }

    /// <summary>The organisation named in passes (<c>iss</c>).</summary>
    public string Name { get; } = "test-org";

    public byte[] Kid { get; }

    public TrustedKey Trusted { get; }

    public TrustList Trust { get; }

    /// <summary>A pass of <paramref name="kind"/> valid from <paramref name="from"/> for <paramref name="validFor"/>.</summary>
    public GateKioskPass Pass(string kind, DateTimeOffset from, TimeSpan validFor, string subject = "V-0001") => new()
    {
        Kind = kind,
        Issuer = Name,
        Subject = subject,
        PassId = RandomNumberGenerator.GetBytes(16),
        IssuedAt = from,
        NotBefore = from,
        Expires = from + validFor,
        Sites = ["site-a"],
        Host = kind == CredentialKinds.VisitorPass ? "E1001" : null,
        Status = kind == CredentialKinds.HealthDeclaration ? "clear" : null,
    };

    /// <summary>The signed COSE_Sign1 bytes of <paramref name="pass"/>.</summary>
    public byte[] Sign(GateKioskPass pass) => SignedCodeWriter.Sign(pass.ToCbor(), PrivateKey, Kid);

    /// <summary>The QR text of <paramref name="pass"/>.</summary>
    public string Write(GateKioskPass pass) => SignedCodeWriter.Write(pass, PrivateKey, Kid);

    public void Dispose() => PrivateKey.Dispose();
}
