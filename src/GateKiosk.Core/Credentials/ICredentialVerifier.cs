using GateKiosk.Core.Decoding;

namespace GateKiosk.Core.Credentials;

/// <summary>
/// Verifies one kind of credential offline. Implementations never throw for bad input:
/// every outcome is a <see cref="CredentialCheck"/> with a reason code.
/// </summary>
public interface ICredentialVerifier
{
    /// <summary>The credential kind this verifier handles (one of <c>CredentialKinds</c>).</summary>
    string Kind { get; }

    /// <summary>True when <paramref name="code"/> has this verifier's form (prefix, alphabet); cheap.</summary>
    bool Recognizes(ScannedCode code);

    /// <summary>Verifies a code this verifier <see cref="Recognizes"/> at time <paramref name="now"/>.</summary>
    CredentialCheck Verify(ScannedCode code, DateTimeOffset now);
}
