using System.Security.Cryptography;
using System.Security.Cryptography.Cose;
using GateKiosk.Core.Credentials.Signed;

namespace GateKiosk.Core.Policy;

/// <summary>
/// Seals a bundle for the wire: its CBOR is zlib-compressed and the compressed bytes are the payload of a COSE_Sign1
/// message signed with ES256 by the policy key (kid in the protected header). The signature covers the compressed
/// bytes, so a kiosk checks it before inflating anything.
/// </summary>
public static class PolicySigner
{
    /// <summary>The wire form of <paramref name="bundle"/> signed with <paramref name="policyKey"/> (P-256).</summary>
    public static byte[] Sign(PolicyBundle bundle, ECDsa policyKey)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(policyKey);
        return SignCompressed(BoundedInflater.Deflate(bundle.ToCbor()), policyKey);
    }

    /// <summary>Signs an already compressed payload (the publisher compresses once and measures each step).</summary>
    public static byte[] SignCompressed(byte[] compressed, ECDsa policyKey)
    {
        ArgumentNullException.ThrowIfNull(policyKey);
        var headers = new CoseHeaderMap { [CoseHeaderLabel.KeyIdentifier] = CoseHeaderValue.FromBytes(TrustedKey.KidOf(policyKey)) };
        return CoseSign1Message.SignEmbedded(compressed, new CoseSigner(policyKey, HashAlgorithmName.SHA256, headers));
    }
}

/// <summary>Why a policy bundle was not applied (the <c>reason</c> in the kiosk's log and journal).</summary>
public static class PolicyRejections
{
    /// <summary>Not a COSE_Sign1 message, or its payload does not inflate to a bundle.</summary>
    public const string Unreadable = "unreadable";

    /// <summary>Larger than <c>Policy:MaxBundleBytes</c>.</summary>
    public const string TooLarge = "too-large";

    /// <summary>Signed by a key other than the policy key, or not validly signed.</summary>
    public const string BadSignature = "bad-signature";

    /// <summary>For another site.</summary>
    public const string WrongSite = "wrong-site";

    /// <summary>A version at or below the one applied (a replay or a rollback).</summary>
    public const string NotNewer = "not-newer";

    /// <summary>Issued further in the future than the clock leeway.</summary>
    public const string IssuedInFuture = "issued-in-future";
}

/// <summary>Opens the wire form: signature first, then inflation (capped) and a strict read.</summary>
public static class PolicyReader
{
    /// <summary>
    /// Verifies <paramref name="wire"/> against <paramref name="policyKey"/> and reads the bundle; null and the reason
    /// (<see cref="PolicyRejections"/>) when it fails. Checks nothing about site, version or time.
    /// </summary>
    public static (PolicyBundle? Bundle, string? Rejection) Open(ReadOnlyMemory<byte> wire, TrustedKey policyKey, int maxInflatedBytes)
    {
        ArgumentNullException.ThrowIfNull(policyKey);
        if (!SignedCode.TryDecode(wire, out var message) || message?.Content is not { } content)
        {
            return (null, PolicyRejections.Unreadable);
        }

        if (SignedCode.VerifySignature(message, [policyKey], out _) != Contracts.ReasonCodes.Valid)
        {
            return (null, PolicyRejections.BadSignature);
        }

        return BoundedInflater.TryInflate(content.ToArray(), maxInflatedBytes, out var cbor) && PolicyBundle.TryFromCbor(cbor, out var bundle)
            ? (bundle, null)
            : (null, PolicyRejections.Unreadable);
    }
}
