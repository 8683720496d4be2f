using System.Security.Cryptography;
using System.Security.Cryptography.Cose;
using GateKiosk.Contracts;

namespace GateKiosk.Core.Credentials.Signed;

/// <summary>Issues codes in the verifier's format: COSE_Sign1 over CWT claims, zlib, Base45, prefix.</summary>
public static class SignedCodeWriter
{
    /// <summary>Signs <paramref name="claims"/> (CBOR) with ES256 (P-256 key) or PS256 (RSA key), the kid in the protected header.</summary>
    public static byte[] Sign(byte[] claims, AsymmetricAlgorithm privateKey, byte[] kid)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(kid);
        var headers = new CoseHeaderMap { [CoseHeaderLabel.KeyIdentifier] = CoseHeaderValue.FromBytes(kid) };
        var signer = privateKey switch
        {
            ECDsa ec => new CoseSigner(ec, HashAlgorithmName.SHA256, headers),
            RSA rsa => new CoseSigner(rsa, RSASignaturePadding.Pss, HashAlgorithmName.SHA256, headers),
            _ => throw new ArgumentException("ES256 needs an ECDsa P-256 key and PS256 an RSA key.", nameof(privateKey)),
        };
        return CoseSign1Message.SignEmbedded(claims, signer);
    }

    /// <summary>The text of a code: <paramref name="prefix"/> + Base45(zlib(<paramref name="cose"/>)).</summary>
    public static string Encode(string prefix, byte[] cose) => prefix + Base45.Encode(BoundedInflater.Deflate(cose));

    /// <summary>Signs and encodes a GateKiosk pass.</summary>
    public static string Write(GateKioskPass pass, AsymmetricAlgorithm privateKey, byte[] kid)
    {
        ArgumentNullException.ThrowIfNull(pass);
        return Encode(PassPrefixes.For(pass.Kind), Sign(pass.ToCbor(), privateKey, kid));
    }
}

/// <summary>The text prefixes of GateKiosk passes, one per kind so a reader can route a code without decoding it.</summary>
public static class PassPrefixes
{
    public const string StaffPass = "GKS1:";
    public const string VisitorPass = "GKV1:";
    public const string HealthDeclaration = "GKH1:";

    /// <summary>The prefix of <paramref name="kind"/>.</summary>
    public static string For(string kind) => kind switch
    {
        CredentialKinds.StaffPass => StaffPass,
        CredentialKinds.VisitorPass => VisitorPass,
        CredentialKinds.HealthDeclaration => HealthDeclaration,
        _ => throw new ArgumentException($"'{kind}' is not a GateKiosk pass kind.", nameof(kind)),
    };
}
