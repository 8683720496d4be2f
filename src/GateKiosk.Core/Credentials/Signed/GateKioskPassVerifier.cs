using GateKiosk.Contracts;
using GateKiosk.Core.Decoding;

namespace GateKiosk.Core.Credentials.Signed;

/// <summary>
/// Verifies GateKiosk passes of one kind offline: signature by a trusted key allowed to sign that kind, validity window,
/// revocation, site, and the kind's own rule (staff: schedule; visitor: single use; health declaration: same day, status clear).
/// </summary>
public sealed class GateKioskPassVerifier : ICredentialVerifier
{
    private readonly SignedCredentialSettings _settings;
    private readonly IPassUseLedger _ledger;
    private readonly string _prefix;
    private readonly Policy.PolicyState? _policy;

    /// <param name="kind">The pass kind.</param>
    /// <param name="settings">Trust, leeway, site, configured revocations.</param>
    /// <param name="ledger">Single-use passes already used.</param>
    /// <param name="policy">Central's policy, whose revocations add to the configured ones.</param>
    public GateKioskPassVerifier(string kind, SignedCredentialSettings settings, IPassUseLedger ledger, Policy.PolicyState? policy = null)
    {
        _policy = policy;
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(ledger);
        _prefix = PassPrefixes.For(kind);
        Kind = kind;
        _settings = settings;
        _ledger = ledger;
    }

    public string Kind { get; }

    public bool Recognizes(ScannedCode code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return code.Text.StartsWith(_prefix, StringComparison.Ordinal);
    }

    public CredentialCheck Verify(ScannedCode code, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(code);
        var unknown = new CredentialRef(Kind, null, null);
        if (!Recognizes(code))
        {
            return new CredentialCheck(ReasonCodes.Unreadable, unknown);
        }

        var opened = SignedCode.OpenBase45(code.Text.AsSpan(_prefix.Length), _settings);
        var kid = opened.Kid is null ? null : Convert.ToBase64String(opened.Kid);
        if (opened.Content is not { } content)
        {
            return new CredentialCheck(opened.Reason, unknown) { KeyId = kid };
        }

        if (!GateKioskPass.TryFrom(content.Claims, out var pass) || pass is null || pass.Kind != Kind)
        {
            return new CredentialCheck(ReasonCodes.Unreadable, unknown) { KeyId = kid };
        }

        var credential = new CredentialRef(Kind, pass.Issuer, pass.Subject);
        var reason = Decide(content, pass, now);
        return new CredentialCheck(reason, credential)
        {
            KeyId = kid,
            Expires = pass.Expires,
            SingleUsePass = reason == ReasonCodes.Valid && Kind == CredentialKinds.VisitorPass && pass.SingleUse ? new SingleUsePass(pass.PassIdHex, pass.Expires) : null,
        };
    }

    private string Decide(SignedClaims content, GateKioskPass pass, DateTimeOffset now)
    {
        if (!content.Key.Allows(Kind))
        {
            return ReasonCodes.WrongKeyUsage;
        }

        var times = SignedCode.CheckTimes(content, now, _settings.ClockLeeway);
        if (Kind == CredentialKinds.HealthDeclaration)
        {
            // Valid until the end of the issuing day in the site's time zone, whatever exp says.
            var issuedDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(pass.IssuedAt, _settings.TimeZone).DateTime);
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, _settings.TimeZone).DateTime);
            if (times == ReasonCodes.Expired || today > issuedDay)
            {
                return ReasonCodes.DeclarationStale;
            }
        }

        if (times != ReasonCodes.Valid)
        {
            return times;
        }

        if (_settings.Revoked.Contains(pass.PassIdHex) || _settings.Revoked.Contains(pass.Subject)
            || (_policy?.Current?.Revoked is { } revoked && (revoked.Contains(pass.PassIdHex) || revoked.Contains(pass.Subject))))
        {
            return ReasonCodes.Revoked;
        }

        if (_settings.SiteId is { } site && !pass.Sites.Contains("*") && !pass.Sites.Contains(site))
        {
            return ReasonCodes.WrongSite;
        }

        switch (Kind)
        {
            case CredentialKinds.StaffPass when pass.Schedule.Count > 0:
                var local = TimeZoneInfo.ConvertTime(now, _settings.TimeZone).DateTime;
                return pass.Schedule.Any(w => w.Contains(local)) ? ReasonCodes.Valid : ReasonCodes.OutsideSchedule;
            case CredentialKinds.HealthDeclaration when pass.Status == HealthStatuses.Refer:
                return ReasonCodes.HealthDeclarationRefer;
            case CredentialKinds.HealthDeclaration when pass.Status != HealthStatuses.Clear:
                return ReasonCodes.RulesNotMet;
            case CredentialKinds.VisitorPass when pass.SingleUse:
                // Only checked here: the journal uses the pass up with the entry that lets its holder in.
                return _ledger.IsUsed(pass.PassIdHex) ? ReasonCodes.AlreadyUsed : ReasonCodes.Valid;
            default:
                return ReasonCodes.Valid;
        }
    }
}

/// <summary>The status a health declaration pass carries: the answers reduced to one word.</summary>
public static class HealthStatuses
{
    /// <summary>No symptom, no contact: the pass opens.</summary>
    public const string Clear = "clear";

    /// <summary>The answers indicate risk: the kiosk denies with <see cref="ReasonCodes.HealthDeclarationRefer"/> and sends the person to the guard.</summary>
    public const string Refer = "refer";
}
