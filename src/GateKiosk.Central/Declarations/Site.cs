using System.Text.Json.Serialization;

namespace GateKiosk.Central.Declarations;

/// <summary>A place with a gate: what the poster prints and the declaration page shows, and its day boundary.</summary>
/// <param name="Id">The site id kiosks carry (<c>[a-z0-9-]</c>).</param>
/// <param name="Name">The unit's name, as the poster prints it (in capitals).</param>
/// <param name="Address">The unit's address.</param>
/// <param name="TimeZone">IANA time zone: a declaration's pass ends at midnight here.</param>
/// <param name="Form">Which fields the declaration form asks and requires.</param>
internal sealed record Site(string Id, string Name, string Address, string TimeZone, DeclarationForm Form)
{
    public const string DefaultTimeZone = "Asia/Ho_Chi_Minh";

    public const int MaxNameLength = 200;

    public const int MaxAddressLength = 400;
}

/// <summary>
/// A site's declaration form: the fields asked (a subset of <see cref="DeclarationFields.All"/>), those that must be
/// answered, and which answers send the person to the guard.
/// </summary>
internal sealed record DeclarationForm
{
    public IReadOnlyList<string> Fields { get; init; } = DeclarationFields.All;

    public IReadOnlyList<string> Required { get; init; } = [DeclarationFields.FullName, DeclarationFields.BirthYear, DeclarationFields.Sex];

    /// <summary>Any symptom gives <c>refer</c>.</summary>
    public bool ReferOnSymptoms { get; init; } = true;

    /// <summary>Contact with a case gives <c>refer</c>.</summary>
    public bool ReferOnContact { get; init; } = true;

    [JsonIgnore]
    public static DeclarationForm Default { get; } = new();

    public bool Asks(string field) => Fields.Contains(field, StringComparer.Ordinal);

    public bool Requires(string field) => Asks(field) && Required.Contains(field, StringComparer.Ordinal);

    /// <summary>What is wrong with the form's settings, or null.</summary>
    public string? Problem()
    {
        if (Fields.FirstOrDefault(f => !DeclarationFields.All.Contains(f, StringComparer.Ordinal)) is { } unknown)
        {
            return $"'{unknown}' is not a form field ({string.Join(", ", DeclarationFields.All)}).";
        }

        if (!Asks(DeclarationFields.FullName) && !Asks(DeclarationFields.IdNumber))
        {
            return "the form must ask fullName or idNumber: the pass's subject is made from one of them.";
        }

        return Required.FirstOrDefault(f => !Asks(f)) is { } notAsked ? $"'{notAsked}' is required but not asked." : null;
    }
}

/// <summary>The JSON names of the directive's form fields.</summary>
internal static class DeclarationFields
{
    public const string FullName = "fullName";
    public const string IdNumber = "idNumber";
    public const string BirthYear = "birthYear";
    public const string Sex = "sex";
    public const string Category = "category";
    public const string Symptoms = "symptoms";
    public const string Contact = "contact";
    public const string Travel = "travel";

    public static readonly IReadOnlyList<string> All = [FullName, IdNumber, BirthYear, Sex, Category, Symptoms, Contact, Travel];

    /// <summary>Symptom codes the form offers.</summary>
    public static readonly IReadOnlyList<string> SymptomCodes = ["fever", "cough", "breathing", "sore-throat", "loss-of-smell", "fatigue"];

    /// <summary>Categories the form offers.</summary>
    public static readonly IReadOnlyList<string> Categories = ["staff", "visitor", "contractor", "driver", "student", "other"];
}
