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
                return verifier.Verify(code, now);
            }
        }

        return new CredentialCheck(ReasonCodes.UnsupportedCredential, new CredentialRef(CredentialKinds.Unknown, null, null));
    }
}
