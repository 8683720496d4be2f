using System.Globalization;
using System.Text;
using System.Text.Json;

namespace GateKiosk.Central.Declarations;

/// <summary>The answers of one declaration, as given (after trimming); personal data.</summary>
internal sealed record DeclarationAnswers
{
    public string? FullName { get; init; }

    public string? IdNumber { get; init; }

    public int? BirthYear { get; init; }

    public string? Sex { get; init; }

    public string? Category { get; init; }

    public IReadOnlyList<string> Symptoms { get; init; } = [];

    public bool? Contact { get; init; }

    public string? Travel { get; init; }
}

/// <summary>Why a declaration was refused: the field (its JSON name) and what is wrong, never the value given.</summary>
internal sealed record DeclarationError(string Field, string Message);

/// <summary>Reads and checks answers against a site's form.</summary>
internal static class DeclarationInput
{
    public const int MaxNameLength = 100;
    public const int MaxTravelLength = 500;
    public const int MaxSymptoms = 16;

    /// <summary>Reads the JSON body's fields by type; the values are checked by <see cref="Check"/>.</summary>
    public static DeclarationError? TryRead(JsonElement root, out DeclarationAnswers answers)
    {
        answers = new DeclarationAnswers();
        if (root.ValueKind != JsonValueKind.Object)
        {
            return new DeclarationError("body", "the body is not a JSON object.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            var name = property.Name;
            if (!DeclarationFields.All.Contains(name, StringComparer.Ordinal))
            {
                return new DeclarationError(name.Length > 64 ? name[..64] : name, "is not a field of the declaration form.");
            }

            if (!seen.Add(name))
            {
                return new DeclarationError(name, "is given twice.");
            }

            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            switch (name)
            {
                case DeclarationFields.BirthYear:
                    if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var year))
                    {
                        return new DeclarationError(name, "must be a whole number (a year such as 1990).");
                    }

                    answers = answers with { BirthYear = year };
                    break;
                case DeclarationFields.Contact:
                    if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        return new DeclarationError(name, "must be true or false.");
                    }

                    answers = answers with { Contact = value.GetBoolean() };
                    break;
                case DeclarationFields.Symptoms:
                    if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > MaxSymptoms || value.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String))
                    {
                        return new DeclarationError(name, $"must be an array of at most {MaxSymptoms} symptom codes.");
                    }

                    answers = answers with { Symptoms = [.. value.EnumerateArray().Select(s => s.GetString()!)] };
                    break;
                default:
                    if (value.ValueKind != JsonValueKind.String)
                    {
                        return new DeclarationError(name, "must be a string.");
                    }

                    var text = value.GetString()!;
                    answers = name switch
                    {
                        DeclarationFields.FullName => answers with { FullName = text },
                        DeclarationFields.IdNumber => answers with { IdNumber = text },
                        DeclarationFields.Sex => answers with { Sex = text },
                        DeclarationFields.Category => answers with { Category = text },
                        _ => answers with { Travel = text },
                    };
                    break;
            }
        }

        return null;
    }

    /// <summary>
    /// Checks <paramref name="given"/> against <paramref name="form"/> and returns the answers tidied (trimmed, names in
    /// Unicode NFC with single spaces, ID numbers without spaces in capitals), or the first field that is wrong.
    /// </summary>
    public static DeclarationError? Check(DeclarationAnswers given, DeclarationForm form, int currentYear, out DeclarationAnswers answers)
    {
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(form);
        answers = given;
        foreach (var field in DeclarationFields.All)
        {
            var present = field switch
            {
                DeclarationFields.FullName => !string.IsNullOrWhiteSpace(given.FullName),
                DeclarationFields.IdNumber => !string.IsNullOrWhiteSpace(given.IdNumber),
                DeclarationFields.BirthYear => given.BirthYear is not null,
                DeclarationFields.Sex => !string.IsNullOrWhiteSpace(given.Sex),
                DeclarationFields.Category => !string.IsNullOrWhiteSpace(given.Category),
                DeclarationFields.Symptoms => true, // an empty list is an answer: no symptom
                DeclarationFields.Contact => given.Contact is not null,
                _ => !string.IsNullOrWhiteSpace(given.Travel),
            };
            if (!form.Asks(field) && (present && (field != DeclarationFields.Symptoms || given.Symptoms.Count > 0)))
            {
                return new DeclarationError(field, "is not asked by this site's form.");
            }

            if (form.Requires(field) && !present)
            {
                return new DeclarationError(field, "is required.");
            }
        }

        var name = Tidy(given.FullName);
        if (name is not null && (name.Length > MaxNameLength || name.Any(char.IsControl) || !name.Any(char.IsLetter)))
        {
            return new DeclarationError(DeclarationFields.FullName, $"must be letters, at most {MaxNameLength} characters.");
        }

        var id = given.IdNumber is null ? null : string.Concat(given.IdNumber.Where(c => !char.IsWhiteSpace(c))).ToUpperInvariant();
        if (id is { Length: 0 })
        {
            id = null;
        }

        if (id is not null && (id.Length is < 6 or > 20 || !id.All(char.IsAsciiLetterOrDigit)))
        {
            return new DeclarationError(DeclarationFields.IdNumber, "must be 6–20 letters and digits (ID card, citizen ID or passport number).");
        }

        if (given.BirthYear is { } year && (year < 1900 || year > currentYear))
        {
            return new DeclarationError(DeclarationFields.BirthYear, $"must be between 1900 and {currentYear}.");
        }

        var sex = Tidy(given.Sex);
        if (sex is not (null or "male" or "female"))
        {
            return new DeclarationError(DeclarationFields.Sex, "must be male or female.");
        }

        var category = Tidy(given.Category);
        if (category is not null && !DeclarationFields.Categories.Contains(category, StringComparer.Ordinal))
        {
            return new DeclarationError(DeclarationFields.Category, $"must be one of {string.Join(", ", DeclarationFields.Categories)}.");
        }

        if (given.Symptoms.Count > MaxSymptoms || given.Symptoms.Any(s => !DeclarationFields.SymptomCodes.Contains(s, StringComparer.Ordinal)))
        {
            return new DeclarationError(DeclarationFields.Symptoms, $"must list symptom codes among {string.Join(", ", DeclarationFields.SymptomCodes)}.");
        }

        var travel = given.Travel?.Trim();
        if (travel is { Length: 0 })
        {
            travel = null;
        }

        if (travel is not null && (travel.Length > MaxTravelLength || travel.Any(c => char.IsControl(c) && c is not ('\n' or '\r'))))
        {
            return new DeclarationError(DeclarationFields.Travel, $"must be text of at most {MaxTravelLength} characters.");
        }

        if (id is null && (name is null || given.BirthYear is null))
        {
            return new DeclarationError(DeclarationFields.IdNumber, "give an ID number, or the full name and year of birth.");
        }

        answers = new DeclarationAnswers
        {
            FullName = name,
            IdNumber = id,
            BirthYear = given.BirthYear,
            Sex = sex,
            Category = category,
            Symptoms = [.. given.Symptoms.Distinct(StringComparer.Ordinal)],
            Contact = given.Contact,
            Travel = travel,
        };
        return null;
    }

    /// <summary>Trimmed, NFC, inner runs of white space made one space; null for nothing.</summary>
    private static string? Tidy(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return string.Join(' ', text.Normalize(NormalizationForm.FormC).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>The text the subject hash is made from: the ID number, else the name (lower case) and year of birth.</summary>
    public static string SubjectText(DeclarationAnswers answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        return answers.IdNumber is { } id
            ? "id\n" + id
            : "name\n" + answers.FullName!.ToLower(CultureInfo.InvariantCulture) + "\n" + answers.BirthYear!.Value.ToString(CultureInfo.InvariantCulture);
    }
}
