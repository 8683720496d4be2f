using System.Text;
using GateKiosk.Contracts;
using GateKiosk.Core.Decoding;

namespace GateKiosk.Core.Credentials.Signed;

/// <summary>
/// NZ COVID Pass (<c>NZCP:/1/</c> + unpadded Base32, no compression): the same COSE/CWT core with another profile.
/// The trust list id of a key is <c>iss + "#" + kid</c> as UTF-8 (the DID verification method), so only issuers with a
/// trusted key verify. Requires ES256, <c>nbf</c>, <c>exp</c>, a 16-byte <c>cti</c> and a <c>vc</c> credential subject.
/// </summary>
public sealed class NzCovidPassVerifier : ICredentialVerifier
{
    public const string Prefix = "NZCP:/1/";

    /// <summary>The kind recorded for these passes (not a door kind of the SPEC; used where a site opts in).</summary>
    public const string NzcpKind = "nz-covid-pass";

    private readonly SignedCredentialSettings _settings;

    public NzCovidPassVerifier(SignedCredentialSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
    }

    public string Kind => NzcpKind;

    public bool Recognizes(ScannedCode code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return code.Text.StartsWith("NZCP:/", StringComparison.Ordinal);
    }

    public CredentialCheck Verify(ScannedCode code, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(code);
        var unknown = new CredentialRef(Kind, null, null);
        if (!code.Text.StartsWith(Prefix, StringComparison.Ordinal) || !Base32.TryDecode(code.Text.AsSpan(Prefix.Length), out var cose))
        {
            return new CredentialCheck(ReasonCodes.Unreadable, unknown);
        }

        var opened = SignedCode.Open(cose, _settings.Trust, (kid, claims) =>
            claims.Get(1) is string iss ? Encoding.UTF8.GetBytes(iss + "#" + Encoding.UTF8.GetString(kid)) : null);
        var kidText = opened.Kid is null ? null : Encoding.UTF8.GetString(opened.Kid);
        if (opened.Content is not { } content)
        {
            return new CredentialCheck(opened.Reason, unknown) { KeyId = kidText };
        }

        var claims = content.Claims;
        if (content.Key.Algorithm != KeyAlgorithm.ES256 || content.NotBefore is null || content.Expires is null
            || claims.Get(7) is not byte[] { Length: 16 } cti
            || claims.Get("vc") is not CborMap vc || vc.Get("credentialSubject") is not CborMap subject
            || subject.Text("givenName") is null || subject.Text("dob") is null)
        {
            return new CredentialCheck(ReasonCodes.Unreadable, new CredentialRef(Kind, content.Issuer, null)) { KeyId = kidText };
        }

        var passId = "urn:uuid:" + new Guid(cti, bigEndian: true).ToString();
        var reason = SignedCode.CheckTimes(content, now, _settings.ClockLeeway);
        if (reason == ReasonCodes.Valid && _settings.Revoked.Contains(passId))
        {
            reason = ReasonCodes.Revoked;
        }

        return new CredentialCheck(reason, new CredentialRef(Kind, content.Issuer, passId)) { KeyId = kidText, Expires = content.Expires };
    }
}
