using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Decoding;

namespace GateKiosk.Core.Credentials.PersonalIds;

/// <summary>
/// Reads one kind of Vietnamese personal code (<see cref="CredentialKinds.VnCccd"/> or <see cref="CredentialKinds.VnPcCovid"/>).
/// The codes are unsigned: they say who someone claims to be and prove nothing, so a well-formed code is
/// <see cref="ReasonCodes.Valid"/> as an identity only; whether it opens the door is the door's rule
/// (<c>Kiosk:PersonalIdCodes</c>). The subject id is <c>vnid-</c> and a keyed hash of the ID number, the same for the
/// card and the app, so one person is one subject; the name reaches the display only, masked.
/// </summary>
public sealed class VietnameseIdVerifier : ICredentialVerifier
{
    /// <summary>Prefix of the subject id: the ID number is hashed with <c>Credentials:SubjectHashKey</c>.</summary>
    public const string SubjectPrefix = "vnid";

    private readonly SignedCredentialSettings _settings;

    /// <param name="kind"><see cref="CredentialKinds.VnCccd"/> or <see cref="CredentialKinds.VnPcCovid"/>.</param>
    /// <param name="settings">The subject hash key, revocations and the site's time zone.</param>
    public VietnameseIdVerifier(string kind, SignedCredentialSettings settings)
    {
        if (kind is not (CredentialKinds.VnCccd or CredentialKinds.VnPcCovid))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a Vietnamese personal code kind.");
        }

        ArgumentNullException.ThrowIfNull(settings);
        Kind = kind;
        _settings = settings;
    }

    public string Kind { get; }

    public bool Recognizes(ScannedCode code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return VietnameseIdCodes.Classify(code.Text) == Kind;
    }

    public CredentialCheck Verify(ScannedCode code, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(code);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, _settings.TimeZone).DateTime);
        var parsed = VietnameseIdCodes.Parse(code.Text, today);
        if (parsed.Code is not { } id)
        {
            return new CredentialCheck(ReasonCodes.Unreadable, new CredentialRef(Kind, null, null)) { Problem = parsed.Problem };
        }

        var subject = SubjectHash.Of(SubjectPrefix, id.IdNumber, _settings.SubjectHashKey);
        var credential = new CredentialRef(Kind, null, subject);
        return _settings.Revoked.Contains(subject)
            ? new CredentialCheck(ReasonCodes.Revoked, credential)
            : new CredentialCheck(ReasonCodes.Valid, credential) { HolderName = NameMask.Mask(id.FullName) };
    }
}
