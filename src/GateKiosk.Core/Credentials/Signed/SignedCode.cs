using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.Cose;
using GateKiosk.Contracts;

namespace GateKiosk.Core.Credentials.Signed;

/// <summary>A COSE_Sign1 message whose signature checked out against a trusted key, with its CWT claims.</summary>
/// <param name="Key">The key that verified it.</param>
/// <param name="Claims">The CWT claims map.</param>
public sealed record SignedClaims(TrustedKey Key, CborMap Claims)
{
    /// <summary>CWT <c>exp</c> (claim 4).</summary>
    public DateTimeOffset? Expires => CborMap.ToDate(Claims.Get(4));

    /// <summary>CWT <c>nbf</c> (claim 5).</summary>
    public DateTimeOffset? NotBefore => CborMap.ToDate(Claims.Get(5));

    /// <summary>CWT <c>iat</c> (claim 6).</summary>
    public DateTimeOffset? IssuedAt => CborMap.ToDate(Claims.Get(6));

    /// <summary>CWT <c>iss</c> (claim 1) when it is text.</summary>
    public string? Issuer => Claims.Get(1) as string;
}

/// <summary>What opening a signed code gave: claims, or the reason code and (when known) the key id.</summary>
/// <param name="Reason"><see cref="ReasonCodes.Valid"/> when <paramref name="Content"/> is set.</param>
/// <param name="Content">The verified claims.</param>
/// <param name="Kid">The key id from the header, when one was read.</param>
public sealed record SignedOutcome(string Reason, SignedClaims? Content, byte[]? Kid)
{
    public static SignedOutcome Fail(string reason, byte[]? kid = null) => new(reason, null, kid);
}

/// <summary>
/// The one verifier core shared by every signed credential: COSE_Sign1 (RFC 9052) carrying CWT claims (RFC 8392).
/// Strict about structure, bounded in depth and size, and never throws for bad input.
/// </summary>
public static class SignedCode
{
    /// <summary>The CWT CBOR tag some issuers wrap around the COSE message (RFC 8392 §6).</summary>
    private const ulong CwtTag = 61;

    /// <summary>Decodes a COSE_Sign1 message: an optional CWT tag, then a tagged (18) or untagged four-element array.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> bytes, out CoseSign1Message? message)
    {
        message = null;
        try
        {
            var reader = new CborReader(bytes, CborConformanceMode.Lax);
            if (reader.PeekState() == CborReaderState.Tag && reader.PeekTag() == (CborTag)CwtTag)
            {
                reader.ReadTag();
                bytes = bytes[(bytes.Length - reader.BytesRemaining)..];
            }

            // Walk the structure with caps before the COSE decoder sees it: shallow, four items, headers maps.
            if (!CborTree.TryRead(bytes, out var tree, maxDepth: 4, maxItems: 256)
                || tree is not List<object?> { Count: 4 } parts
                || parts[0] is not byte[] protectedBytes
                || parts[1] is not CborMap
                || parts[2] is not byte[]
                || parts[3] is not byte[])
            {
                return false;
            }

            if (protectedBytes.Length > 0 && (!CborTree.TryRead(protectedBytes, out var headers, maxDepth: 4, maxItems: 64) || headers is not CborMap))
            {
                return false;
            }

            message = CoseMessage.DecodeSign1(bytes.Span);
            return true;
        }
        catch (Exception ex) when (ex is CryptographicException or CborContentException or InvalidOperationException or ArgumentException)
        {
            message = null;
            return false;
        }
    }

    /// <summary>The key id: from the protected header, else from the unprotected one; text ids are taken as their UTF-8 bytes.</summary>
    public static byte[]? KeyIdOf(CoseSign1Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.ProtectedHeaders.TryGetValue(CoseHeaderLabel.KeyIdentifier, out var value)
            && !message.UnprotectedHeaders.TryGetValue(CoseHeaderLabel.KeyIdentifier, out value))
        {
            return null;
        }

        try
        {
            return value.GetValueAsBytes();
        }
        catch (InvalidOperationException)
        {
            try
            {
                return System.Text.Encoding.UTF8.GetBytes(value.GetValueAsString());
            }
            catch (Exception ex) when (ex is InvalidOperationException or CborContentException)
            {
                return null;
            }
        }
    }

    /// <summary>The algorithm of the protected header; null when absent, unprotected only, or not ES256/PS256.</summary>
    public static KeyAlgorithm? AlgorithmOf(CoseSign1Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            return message.ProtectedHeaders.TryGetValue(CoseHeaderLabel.Algorithm, out var alg)
                ? alg.GetValueAsInt32() switch
                {
                    -7 => KeyAlgorithm.ES256,
                    -37 => KeyAlgorithm.PS256,
                    _ => null,
                }
                : null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or CborContentException)
        {
            return null;
        }
    }

    /// <summary>Reads the CWT claims of <paramref name="message"/> (a map with integer or text keys, depth-capped).</summary>
    public static bool TryReadClaims(CoseSign1Message message, out CborMap claims)
    {
        ArgumentNullException.ThrowIfNull(message);
        claims = [];
        if (message.Content is not { } content || !CborTree.TryRead(content, out var tree) || tree is not CborMap map)
        {
            return false;
        }

        claims = map;
        return true;
    }

    /// <summary>
    /// Verifies the signature with the first of <paramref name="candidates"/> that is paired with the header's algorithm
    /// and accepts it. Returns <see cref="ReasonCodes.Valid"/>, <see cref="ReasonCodes.UnknownIssuer"/> (no candidate) or
    /// <see cref="ReasonCodes.BadSignature"/>.
    /// </summary>
    public static string VerifySignature(CoseSign1Message message, IReadOnlyList<TrustedKey> candidates, out TrustedKey? key)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(candidates);
        key = null;
        if (candidates.Count == 0)
        {
            return ReasonCodes.UnknownIssuer;
        }

        var algorithm = AlgorithmOf(message);
        if (algorithm is null)
        {
            return ReasonCodes.BadSignature;
        }

        foreach (var candidate in candidates)
        {
            if (candidate.Algorithm != algorithm)
            {
                continue;
            }

            try
            {
                if (message.VerifyEmbedded(candidate.Key))
                {
                    key = candidate;
                    return ReasonCodes.Valid;
                }
            }
            catch (Exception ex) when (ex is CryptographicException or InvalidOperationException or ArgumentException)
            {
                // A signature of the wrong size or a header the decoder refuses is simply not a valid signature.
            }
        }

        return ReasonCodes.BadSignature;
    }

    /// <summary>
    /// Opens a COSE_Sign1 message: decode, read claims, find the key (<paramref name="lookupId"/> maps the header kid and the
    /// not-yet-trusted claims to the trust list id; default: the kid itself), verify. Never throws.
    /// </summary>
    public static SignedOutcome Open(ReadOnlyMemory<byte> cose, TrustList trust, Func<byte[], CborMap, byte[]?>? lookupId = null)
    {
        ArgumentNullException.ThrowIfNull(trust);
        if (!TryDecode(cose, out var message) || message is null || !TryReadClaims(message, out var claims))
        {
            return SignedOutcome.Fail(ReasonCodes.Unreadable);
        }

        var kid = KeyIdOf(message);
        if (kid is null)
        {
            return SignedOutcome.Fail(ReasonCodes.UnknownIssuer);
        }

        var id = lookupId is null ? kid : lookupId(kid, claims);
        var reason = VerifySignature(message, id is null ? [] : trust.Find(id), out var key);
        return reason == ReasonCodes.Valid ? new SignedOutcome(reason, new SignedClaims(key!, claims), kid) : SignedOutcome.Fail(reason, kid);
    }

    /// <summary>
    /// Opens the HC1 form (also that of GateKiosk passes): Base45 text of a zlib-compressed COSE_Sign1 message, inflated
    /// no further than <see cref="SignedCredentialSettings.MaxInflatedBytes"/>, verified against
    /// <see cref="SignedCredentialSettings.Trust"/>. Text that does not decode or inflate is <see cref="ReasonCodes.Unreadable"/>.
    /// </summary>
    public static SignedOutcome OpenBase45(ReadOnlySpan<char> text, SignedCredentialSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Base45.TryDecode(text, out var compressed) && BoundedInflater.TryInflate(compressed, settings.MaxInflatedBytes, out var cose)
            ? Open(cose, settings.Trust)
            : SignedOutcome.Fail(ReasonCodes.Unreadable);
    }

    /// <summary>
    /// Checks CWT times at <paramref name="now"/> with <paramref name="leeway"/>, and the key's certificate validity:
    /// <see cref="ReasonCodes.Valid"/>, <see cref="ReasonCodes.NotYetValid"/> or <see cref="ReasonCodes.Expired"/>.
    /// </summary>
    public static string CheckTimes(SignedClaims content, DateTimeOffset now, TimeSpan leeway, bool requireExpiry = true)
    {
        ArgumentNullException.ThrowIfNull(content);
        var key = content.Key;
        if (key.NotBefore is { } keyFrom && now + leeway < keyFrom)
        {
            return ReasonCodes.NotYetValid;
        }

        if (key.NotAfter is { } keyUntil && now - leeway > keyUntil)
        {
            return ReasonCodes.Expired;
        }

        if ((content.NotBefore is { } nbf && now + leeway < nbf) || (content.IssuedAt is { } iat && now + leeway < iat))
        {
            return ReasonCodes.NotYetValid;
        }

        if (content.Expires is { } exp)
        {
            return now - leeway >= exp ? ReasonCodes.Expired : ReasonCodes.Valid;
        }

        return requireExpiry ? ReasonCodes.Unreadable : ReasonCodes.Valid;
    }
}
