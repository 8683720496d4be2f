namespace GateKiosk.Contracts;

/// <summary>
/// Stable reason codes carried by decisions. Codes are never renamed; new ones may be added.
/// </summary>
public static class ReasonCodes
{
    /// <summary>The credential is valid and the door may open.</summary>
    public const string Valid = "valid";
    public const string Expired = "expired";
    public const string NotYetValid = "not-yet-valid";
    public const string Revoked = "revoked";
    public const string BadSignature = "bad-signature";
    public const string UnknownIssuer = "unknown-issuer";
    public const string WrongSite = "wrong-site";
    public const string OutsideSchedule = "outside-schedule";
    public const string AntiPassback = "anti-passback";
    public const string DeclarationStale = "declaration-stale";

    /// <summary>The code could not be read or is malformed (bad characters, too long, broken encoding).</summary>
    public const string Unreadable = "unreadable";

    /// <summary>A plain badge number that is not on the allowlist.</summary>
    public const string NotEnrolled = "not-enrolled";

    /// <summary>A readable code of a kind this door does not accept.</summary>
    public const string UnsupportedCredential = "unsupported-credential";

    /// <summary>The request-to-exit button was pressed.</summary>
    public const string ExitButton = "exit-button";

    /// <summary>The kiosk could not decide safely (internal fault); the door stays closed.</summary>
    public const string InternalError = "internal-error";

    /// <summary>A genuine signature by a key that may not sign this kind of credential (trust list usages, DCC key usage).</summary>
    public const string WrongKeyUsage = "wrong-key-usage";

    /// <summary>A single-use pass that has already opened the door.</summary>
    public const string AlreadyUsed = "already-used";

    /// <summary>A genuine, current credential that fails the site's rules (incomplete vaccination, positive test, status not clear).</summary>
    public const string RulesNotMet = "rules-not-met";

    /// <summary>A readable personal ID code (<c>vn-cccd</c>, <c>vn-pccovid</c>) at a door that also asks for a health declaration valid today.</summary>
    public const string DeclarationRequired = "declaration-required";
    /// <summary>A genuine, current health declaration whose answers indicate risk (status <c>refer</c>): the guard decides.</summary>
    public const string HealthDeclarationRefer = "health-declaration-refer";

    /// <summary>The kiosk is locked down by a signed command from central: every entry is denied until it is released.</summary>
    public const string Lockdown = "lockdown";

    /// <summary>A guard opened the door once through a signed <c>open-once</c> command from central.</summary>
    public const string RemoteOpen = "remote-open";

    /// <summary>Every code above, for validation and documentation.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Valid, Expired, NotYetValid, Revoked, BadSignature, UnknownIssuer, WrongSite, OutsideSchedule,
        AntiPassback, DeclarationStale, Unreadable, NotEnrolled, UnsupportedCredential, ExitButton, InternalError,
        WrongKeyUsage, AlreadyUsed, RulesNotMet,
        DeclarationRequired,
        HealthDeclarationRefer,
        Lockdown,
        RemoteOpen,
    ];
}
