using GateKiosk.Contracts;
using GateKiosk.Core.Decoding;

namespace GateKiosk.Core.Credentials;

/// <summary>Routes a code to the first verifier that recognises its form.</summary>
public sealed class CredentialVerifier
{
    private readonly ICredentialVerifier[] _verifiers;

    public CredentialVerifier(IEnumerable<ICredentialVerifier> verifiers)
    {
        ArgumentNullException.ThrowIfNull(verifiers);
        _verifiers = [.. verifiers];
    }

    /// <summary>Verifies <paramref name="code"/>; a code no verifier recognises is <see cref="ReasonCodes.UnsupportedCredential"/>.</summary>
    public CredentialCheck Verify(ScannedCode code, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(code);
        foreach (var verifier in _verifiers)
        {
            if (verifier.Recognizes(code))
            {
                try
                {
                    return verifier.Verify(code, now);
                }
#pragma warning disable CA1031 // Verifiers return values for bad input; a fault in one must still close the door, not stop the kiosk.
                catch (Exception)
#pragma warning restore CA1031
                {
                    return new CredentialCheck(ReasonCodes.InternalError, new CredentialRef(verifier.Kind, null, null));
                }
            }
        }

        return new CredentialCheck(ReasonCodes.UnsupportedCredential, new CredentialRef(CredentialKinds.Unknown, null, null));
    }
}
