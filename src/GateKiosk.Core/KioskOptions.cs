using GateKiosk.Contracts;
using Microsoft.Extensions.Options;

namespace GateKiosk.Core;

/// <summary>Who this kiosk is and where it keeps its data (configuration section <c>Kiosk</c>).</summary>
public sealed class KioskOptions
{
    public const string SectionName = "Kiosk";

    /// <summary>The site id, <c>[a-z0-9-]</c>.</summary>
    public string SiteId { get; set; } = "";

    /// <summary>The kiosk id, <c>[a-z0-9-]</c>, unique within the site.</summary>
    public string KioskId { get; set; } = "";

    /// <summary>Folder for the journal and other state.</summary>
    public string DataDirectory { get; set; } = "/var/lib/gatekiosk";

    /// <summary>
    /// Credential kinds this door opens for, as configured. Empty (nothing configured) means plain badges only;
    /// read it through <see cref="AcceptedKindsOrDefault"/>. The list starts empty because configuration binding
    /// adds to a list rather than replacing it: a default item here would stay accepted whatever was configured.
    /// </summary>
    public IList<string> AcceptedKinds { get; } = [];

    /// <summary>
    /// What a Vietnamese personal ID code (<c>vn-cccd</c>, <c>vn-pccovid</c>, when in <see cref="AcceptedKinds"/>) does at
    /// this door: <see cref="PersonalIdCodeRule.Admit"/> lets it open alone (the entry is logged as a visit), and
    /// <see cref="PersonalIdCodeRule.RequireDeclaration"/> denies it with <c>declaration-required</c> so the person shows a
    /// health declaration pass (<c>GKH1:</c>) valid today instead.
    /// </summary>
    public PersonalIdCodeRule PersonalIdCodes { get; set; } = PersonalIdCodeRule.Admit;

    /// <summary>True for <c>vn-cccd</c> and <c>vn-pccovid</c>.</summary>
    public static bool IsPersonalIdCode(string? kind) => kind is CredentialKinds.VnCccd or CredentialKinds.VnPcCovid;

    /// <summary>The kinds this door opens for: <see cref="AcceptedKinds"/>, or <c>badge</c> when none are configured.</summary>
    public IReadOnlyList<string> AcceptedKindsOrDefault() =>
        AcceptedKinds.Count == 0 ? [CredentialKinds.Badge] : [.. AcceptedKinds];
}

/// <summary>Names the bad key in the <c>Kiosk</c> section.</summary>
public sealed class KioskOptionsValidator : IValidateOptions<KioskOptions>
{
    private static readonly string[] KnownKinds =
    [
        CredentialKinds.Badge, CredentialKinds.StaffPass, CredentialKinds.VisitorPass,
        CredentialKinds.HealthDeclaration, CredentialKinds.EuDcc, CredentialKinds.VnPcCovid, CredentialKinds.VnCccd,
    ];

    public ValidateOptionsResult Validate(string? name, KioskOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!Ids.IsValid(options.SiteId))
        {
            errors.Add($"Kiosk:SiteId is required and must be 1–64 of [a-z0-9-] (got '{options.SiteId}').");
        }

        if (!Ids.IsValid(options.KioskId))
        {
            errors.Add($"Kiosk:KioskId is required and must be 1–64 of [a-z0-9-] (got '{options.KioskId}').");
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add("Kiosk:DataDirectory is required.");
        }

        for (var i = 0; i < options.AcceptedKinds.Count; i++)
        {
            if (!KnownKinds.Contains(options.AcceptedKinds[i]))
            {
                errors.Add($"Kiosk:AcceptedKinds:{i} '{options.AcceptedKinds[i]}' is not one of {string.Join(", ", KnownKinds)}.");
            }
        }

        if (!Enum.IsDefined(options.PersonalIdCodes))
        {
            errors.Add($"Kiosk:PersonalIdCodes must be Admit or RequireDeclaration (got '{options.PersonalIdCodes}').");
        }
        else if (options.PersonalIdCodes == PersonalIdCodeRule.RequireDeclaration
            && !options.AcceptedKindsOrDefault().Contains(CredentialKinds.HealthDeclaration))
        {
            errors.Add("Kiosk:PersonalIdCodes is RequireDeclaration, so Kiosk:AcceptedKinds must include health-declaration: otherwise nobody with an ID code can get in.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>What a Vietnamese personal ID code does at a door (<c>Kiosk:PersonalIdCodes</c>).</summary>
public enum PersonalIdCodeRule
{
    /// <summary>A well-formed ID code opens the door alone; the entry is logged with the keyed hash of the ID.</summary>
    Admit,

    /// <summary>An ID code is not enough: it is denied with <c>declaration-required</c>; a GKH1 pass valid today opens.</summary>
    RequireDeclaration,
}
