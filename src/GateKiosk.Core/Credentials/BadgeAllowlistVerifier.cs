using System.Collections.Frozen;
using System.Security.Cryptography;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Decoding;
using GateKiosk.Core.Policy;
using Microsoft.Extensions.Options;

namespace GateKiosk.Core.Credentials;

/// <summary>
/// Plain badge numbers checked against the configured allowlist. Unsigned, so anyone with a
/// printer can copy one: events mark the credential kind <c>badge</c> so reports can show it as weaker.
/// Any short run of letters and digits reads as a badge number, a phone or citizen ID number too, so a code that
/// is not enrolled is recorded only as a keyed hash (<c>badge-…</c>, with <c>Credentials:SubjectHashKey</c>).
/// Once central's policy is in force, its badges (keyed hashes, with their schedules) decide and the configured allowlist
/// is no longer read: it is the bootstrap for a kiosk that has not received a policy yet, and events say which one
/// admitted (issuer <c>policy</c> or <c>allowlist</c>).
/// </summary>
public sealed class BadgeAllowlistVerifier : ICredentialVerifier
{
    private const string Issuer = "allowlist";

    /// <summary>The issuer an event names for a badge found in central's policy.</summary>
    public const string PolicyIssuer = "policy";

    private readonly FrozenSet<string> _allowed;
    private readonly byte[] _subjectHashKey;
    private readonly PolicyState? _policy;
    private readonly byte[]? _badgeHashKey;
    private readonly TimeZoneInfo _timeZone;

    /// <param name="options">The allowlist.</param>
    /// <param name="settings">Where the subject hash key and the site's time zone come from; without it a random key of this process is used.</param>
    /// <param name="policy">Central's policy, when the kiosk reads one.</param>
    /// <param name="policyOptions">The badge hash key the policy lists badges by.</param>
    public BadgeAllowlistVerifier(IOptions<BadgeOptions> options, SignedCredentialSettings? settings = null, PolicyState? policy = null, IOptions<PolicyOptions>? policyOptions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _allowed = options.Value.Allowlist.ToFrozenSet(StringComparer.Ordinal);
        _subjectHashKey = settings?.SubjectHashKey ?? RandomNumberGenerator.GetBytes(32);
        _timeZone = settings?.TimeZone ?? TimeZoneInfo.Utc;
        if (policy is not null && policyOptions?.Value is { } po && po.IsEnabled())
        {
            _policy = policy;
            _badgeHashKey = po.HashKey();
        }
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
        if (_policy?.Current is { } applied)
        {
            return VerifyByPolicy(applied.Bundle, code.Text, now);
        }

        return _allowed.Contains(code.Text)
            ? new CredentialCheck(ReasonCodes.Valid, new CredentialRef(CredentialKinds.Badge, Issuer, code.Text))
            : new CredentialCheck(ReasonCodes.NotEnrolled, new CredentialRef(CredentialKinds.Badge, Issuer, SubjectHash.Of("badge", code.Text, _subjectHashKey)));
    }

    private CredentialCheck VerifyByPolicy(PolicyBundle bundle, string badge, DateTimeOffset now)
    {
        Span<byte> hash = stackalloc byte[BadgeHash.Length];
        BadgeHash.Compute(_badgeHashKey!, badge, hash);
        var index = bundle.FindBadge(hash);
        if (index < 0)
        {
            return new CredentialCheck(ReasonCodes.NotEnrolled, new CredentialRef(CredentialKinds.Badge, PolicyIssuer, SubjectHash.Of("badge", badge, _subjectHashKey)));
        }

        var credential = new CredentialRef(CredentialKinds.Badge, PolicyIssuer, badge);
        var schedule = bundle.ScheduleOf(index);
        if (schedule.Count > 0)
        {
            var local = TimeZoneInfo.ConvertTime(now, _timeZone).DateTime;
            if (!schedule.Any(w => w.Contains(local)))
            {
                return new CredentialCheck(ReasonCodes.OutsideSchedule, credential);
            }
        }

        return new CredentialCheck(ReasonCodes.Valid, credential);
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
