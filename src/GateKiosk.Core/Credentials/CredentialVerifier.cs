using GateKiosk.Contracts;
using GateKiosk.Core.Decoding;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GateKiosk.Core.Credentials;

/// <summary>
/// Routes a code to the first verifier that recognises its form. A code of a kind this door does not accept is
/// answered <see cref="ReasonCodes.UnsupportedCredential"/> without checking its signature (nor using up a
/// single-use pass): work the door would throw away stays off the scan path.
/// </summary>
public sealed partial class CredentialVerifier
{
    private readonly ICredentialVerifier[] _verifiers;
    private readonly HashSet<string>? _accepted;
    private readonly ILogger _logger;
    private readonly Policy.PolicyState? _policy;

    /// <param name="verifiers">The verifiers, tried in order.</param>
    /// <param name="acceptedKinds">The kinds the door accepts; null verifies every kind (the <c>verify</c> command).</param>
    /// <param name="logger">Where a verifier fault is reported.</param>
    /// <param name="policy">Central's policy: its accepted kinds for this door, when it names them, replace <paramref name="acceptedKinds"/>.</param>
    public CredentialVerifier(IEnumerable<ICredentialVerifier> verifiers, IEnumerable<string>? acceptedKinds = null, ILogger<CredentialVerifier>? logger = null, Policy.PolicyState? policy = null)
    {
        _policy = policy;
        ArgumentNullException.ThrowIfNull(verifiers);
        _verifiers = [.. verifiers];
        _accepted = acceptedKinds is null ? null : new HashSet<string>(acceptedKinds, StringComparer.Ordinal);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Verifies <paramref name="code"/>; a code no verifier recognises is <see cref="ReasonCodes.UnsupportedCredential"/>.</summary>
    public CredentialCheck Verify(ScannedCode code, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(code);
        var accepted = _accepted is null ? null : _policy?.Current?.AcceptedKinds ?? _accepted;
        foreach (var verifier in _verifiers)
        {
            if (verifier.Recognizes(code))
            {
                if (accepted is not null && !accepted.Contains(verifier.Kind))
                {
                    return new CredentialCheck(ReasonCodes.UnsupportedCredential, new CredentialRef(verifier.Kind, null, null));
                }

                try
                {
                    return verifier.Verify(code, now);
                }
#pragma warning disable CA1031 // Verifiers return values for bad input; a fault in one must still close the door, not stop the kiosk.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogVerifierFault(verifier.Kind, ex.GetType().Name, ScanHash(code.Text));
                    return new CredentialCheck(ReasonCodes.InternalError, new CredentialRef(verifier.Kind, null, null));
                }
            }
        }

        return new CredentialCheck(ReasonCodes.UnsupportedCredential, new CredentialRef(CredentialKinds.Unknown, null, null));
    }

    /// <summary>A short hash of a code for logs: never the code itself.</summary>
    private static string ScanHash(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..8];

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Kind} verifier failed ({Exception}) on code {CodeHash}; the door stays closed")]
    private partial void LogVerifierFault(string kind, string exception, string codeHash);
}
