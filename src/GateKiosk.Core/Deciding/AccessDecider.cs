using GateKiosk.Contracts;
using GateKiosk.Core.Credentials;
using Microsoft.Extensions.Options;

namespace GateKiosk.Core.Deciding;

/// <summary>Applies the door's rules to a verified credential: only accepted kinds with a valid verdict open.</summary>
public sealed class AccessDecider
{
    private readonly HashSet<string> _acceptedKinds;

    public AccessDecider(IOptions<KioskOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _acceptedKinds = new HashSet<string>(options.Value.AcceptedKindsOrDefault(), StringComparer.Ordinal);
    }

    /// <summary>Decides on <paramref name="check"/>; anything but a valid, accepted credential is a deny.</summary>
    public GateDecision Decide(CredentialCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        if (!check.IsValid)
        {
            return GateDecision.Deny(check.Reason, check.Credential);
        }

        return _acceptedKinds.Contains(check.Credential.Kind)
            ? new GateDecision(Decisions.Allow, ReasonCodes.Valid, check.Credential)
            : GateDecision.Deny(ReasonCodes.UnsupportedCredential, check.Credential);
    }
}
