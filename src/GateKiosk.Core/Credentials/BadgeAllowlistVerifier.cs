using System.Collections.Frozen;
using System.Security.Cryptography;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Decoding;
using Microsoft.Extensions.Options;

namespace GateKiosk.Core.Credentials;

/// <summary>
/// Plain badge numbers checked against the configured allowlist. Unsigned, so anyone with a
/// printer can copy one: events mark the credential kind <c>badge</c> so reports can show it as weaker.
/// Any short run of letters and digits reads as a badge number, a phone or citizen ID number too, so a code that
/// is not enrolled is recorded only as a keyed hash (<c>badge-…</c>, with <c>Credentials:SubjectHashKey</c>).
/// </summary>
public sealed class BadgeAllowlistVerifier : ICredentialVerifier
{
    private const string Issuer = "allowlist";
    private readonly FrozenSet<string> _allowed;
    private readonly byte[] _subjectHashKey;

    /// <param name="options">The allowlist.</param>
    /// <param name="settings">Where the subject hash key comes from; without it a random key of this process is used.</param>
    public BadgeAllowlistVerifier(IOptions<BadgeOptions> options, SignedCredentialSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _allowed = options.Value.Allowlist.ToFrozenSet(StringComparer.Ordinal);
        _subjectHashKey = settings?.SubjectHashKey ?? RandomNumberGenerator.GetBytes(32);
    }

    public string Kind => CredentialKinds.Badge;

    public bool Recognizes(ScannedCode code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return IsBadgeNumber(code.Text);
    }

    public CredentialCheck Verify(ScannedCode code, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(code);
        return _allowed.Contains(code.Text)
            ? new CredentialCheck(ReasonCodes.Valid, new CredentialRef(CredentialKinds.Badge, Issuer, code.Text))
            : new CredentialCheck(ReasonCodes.NotEnrolled, new CredentialRef(CredentialKinds.Badge, Issuer, SubjectHash.Of("badge", code.Text, _subjectHashKey)));
    }

    /// <summary>1–64 characters of <c>[A-Za-z0-9-]</c>.</summary>
    public static bool IsBadgeNumber(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }
}
