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
        CredentialKinds.HealthDeclaration, CredentialKinds.EuDcc,
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

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
