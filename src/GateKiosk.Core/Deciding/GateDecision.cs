using GateKiosk.Contracts;

namespace GateKiosk.Core.Deciding;

/// <summary>The door's answer to one scan.</summary>
/// <param name="Decision"><see cref="Decisions.Allow"/> or <see cref="Decisions.Deny"/>.</param>
/// <param name="Reason">A <see cref="ReasonCodes"/> value.</param>
/// <param name="Credential">What was presented, when anything readable was.</param>
public sealed record GateDecision(string Decision, string Reason, CredentialRef? Credential)
{
    /// <summary>True for <see cref="Decisions.Allow"/>.</summary>
    public bool IsAllow => Decision == Decisions.Allow;

    /// <summary>The holder's masked name for the display (personal ID codes), never journaled; null otherwise.</summary>
    public string? HolderName { get; init; }

    public static GateDecision Deny(string reason, CredentialRef? credential = null) => new(Decisions.Deny, reason, credential);
}
