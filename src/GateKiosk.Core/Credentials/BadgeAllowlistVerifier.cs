using System.Collections.Frozen;
using GateKiosk.Contracts;
using GateKiosk.Core.Decoding;
using Microsoft.Extensions.Options;

namespace GateKiosk.Core.Credentials;

/// <summary>
/// Plain badge numbers checked against the configured allowlist. Unsigned, so anyone with a
/// printer can copy one: events mark the credential kind <c>badge</c> so reports can show it as weaker.
/// </summary>
public sealed class BadgeAllowlistVerifier : ICredentialVerifier
{
    private const string Issuer = "allowlist";
    private readonly FrozenSet<string> _allowed;

    public BadgeAllowlistVerifier(IOptions<BadgeOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _allowed = options.Value.Allowlist.ToFrozenSet(StringComparer.Ordinal);
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
        var reason = _allowed.Contains(code.Text) ? ReasonCodes.Valid : ReasonCodes.NotEnrolled;
        return new CredentialCheck(reason, new CredentialRef(CredentialKinds.Badge, Issuer, code.Text));
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
