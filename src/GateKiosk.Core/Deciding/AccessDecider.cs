using GateKiosk.Contracts;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Policy;
using Microsoft.Extensions.Options;

namespace GateKiosk.Core.Deciding;

/// <summary>
/// Applies the door's rules to a verified credential: only accepted kinds with a valid verdict open, and a personal ID
/// code only where <see cref="KioskOptions.PersonalIdCodes"/> lets an ID alone admit.
/// </summary>
public sealed class AccessDecider
{
    private readonly HashSet<string> _acceptedKinds;
    private readonly PersonalIdCodeRule _personalIdCodes;
    private readonly PolicyState? _policy;

    /// <param name="options">The configured door.</param>
    /// <param name="policy">Central's policy: its accepted kinds for this door, when it names them, replace the configured ones.</param>
    public AccessDecider(IOptions<KioskOptions> options, PolicyState? policy = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _policy = policy;
        _acceptedKinds = new HashSet<string>(options.Value.AcceptedKindsOrDefault(), StringComparer.Ordinal);
        _personalIdCodes = options.Value.PersonalIdCodes;
    }

    /// <summary>Decides on <paramref name="check"/>; anything but a valid, accepted credential is a deny.</summary>
    public GateDecision Decide(CredentialCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        if (!check.IsValid)
        {
            return GateDecision.Deny(check.Reason, check.Credential);
        }

        if (!(_policy?.Current?.AcceptedKinds ?? _acceptedKinds).Contains(check.Credential.Kind))
        {
            return GateDecision.Deny(ReasonCodes.UnsupportedCredential, check.Credential);
        }

        // An unsigned ID code says who someone is, not that they declared: at such a door they must show today's GKH1 pass.
        if (_personalIdCodes == PersonalIdCodeRule.RequireDeclaration && KioskOptions.IsPersonalIdCode(check.Credential.Kind))
        {
            return GateDecision.Deny(ReasonCodes.DeclarationRequired, check.Credential);
        }

        return new GateDecision(Decisions.Allow, ReasonCodes.Valid, check.Credential) { HolderName = check.HolderName };
    }
}
