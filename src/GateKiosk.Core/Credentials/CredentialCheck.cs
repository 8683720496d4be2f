using GateKiosk.Contracts;

namespace GateKiosk.Core.Credentials;

/// <summary>The verdict on one credential, before door rules are applied.</summary>
/// <param name="Reason"><see cref="ReasonCodes.Valid"/> or why it is not.</param>
/// <param name="Credential">What was presented (kind, issuer, subject id); never a name.</param>
public sealed record CredentialCheck(string Reason, CredentialRef Credential)
{
    /// <summary>True when the credential itself is good.</summary>
    public bool IsValid => Reason == ReasonCodes.Valid;

    /// <summary>The key id that signed it (base64), for signed credentials.</summary>
    public string? KeyId { get; init; }

    /// <summary>When the credential stops being valid, when it says.</summary>
    public DateTimeOffset? Expires { get; init; }

    /// <summary>
    /// The holder's name masked for the guard's display (personal ID codes); null otherwise. Never journaled or logged:
    /// the event has no field for it.
    /// </summary>
    public string? HolderName { get; init; }

    /// <summary>For an unreadable code, a fixed phrase saying what is wrong with it (never the code's content).</summary>
    public string? Problem { get; init; }

    /// <summary>The single-use pass an allow on this credential uses up; null for any other credential.</summary>
    public Signed.SingleUsePass? SingleUsePass { get; init; }
}
