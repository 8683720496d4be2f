using System.Globalization;
using System.Text;
using GateKiosk.Contracts;

namespace GateKiosk.Core.Credentials.PersonalIds;

/// <summary>
/// A Vietnamese personal code as read: the kind, the ID number (upper-case) and the holder's full name (NFC). Lives only
/// in memory while a scan is decided; events carry a keyed hash of <see cref="IdNumber"/> and the display a masked name.
/// </summary>
/// <param name="Kind"><see cref="CredentialKinds.VnCccd"/> or <see cref="CredentialKinds.VnPcCovid"/>.</param>
/// <param name="IdNumber">The citizen ID (12 digits), old ID card (9 digits) or passport number.</param>
/// <param name="FullName">The full name, family name first, in NFC.</param>
public sealed record VietnameseIdCode(string Kind, string IdNumber, string FullName)
{
    /// <summary>The kind only: the record's generated text would print the ID and the name into whatever logs it.</summary>
    public override string ToString() => $"{nameof(VietnameseIdCode)} {{ Kind = {Kind} }}";
}

/// <summary>What parsing a code gave: the code, or a fixed phrase saying what is wrong (never a field's content).</summary>
/// <param name="Code">The code, when it is well formed.</param>
/// <param name="Problem">Null on success; otherwise why the code is unreadable.</param>
public sealed record VietnameseIdParse(VietnameseIdCode? Code, string? Problem)
{
    internal static VietnameseIdParse Fail(string problem) => new(null, problem);
}

/// <summary>
/// Recognises and parses the two unsigned Vietnamese personal codes by their structure. Both are text fields joined by
/// <c>|</c>:
/// <list type="bullet">
/// <item>the chip citizen ID card (CCCD, <see cref="CredentialKinds.VnCccd"/>): 7 fields — 12-digit ID, old 9-digit ID or
/// empty, full name, birth date <c>ddMMyyyy</c>, sex (<c>Nam</c>/<c>Nữ</c>), address, issue date <c>ddMMyyyy</c>;</item>
/// <item>the PC-Covid app's personal QR (<see cref="CredentialKinds.VnPcCovid"/>): 6 fields — ID number (9 or 12 digits,
/// or a passport number), full name, date of birth (<c>ddMMyyyy</c>, <c>dd/MM/yyyy</c> or the year alone), identity
/// type, QID, extra.</item>
/// </list>
/// Nothing here throws for any input; a malformed code gives a <see cref="VietnameseIdParse.Problem"/>.
/// </summary>
public static class VietnameseIdCodes
{
    /// <summary>Longest code accepted; a CCCD with a long address is under 300 characters.</summary>
    public const int MaxLength = 1024;

    /// <summary>Longest full name accepted, in characters after NFC.</summary>
    public const int MaxNameLength = 100;

    private const char Separator = '|';
    private const int MaxFirstField = 20;
    private const int CccdFields = 7;
    private const int PcCovidFields = 6;
    private const int MaxAddressLength = 400;
    private const int MaxTokenLength = 64;
    private const int MaxExtraLength = 256;

    /// <summary>
    /// The kind <paramref name="text"/> has the shape of, or null. Shape: a first field of 1–20 ASCII letters or digits
    /// (an ID number) followed by <c>|</c>. It is a CCCD when that field is all digits and the second field is empty or all
    /// digits (the old ID), and a PC-Covid code otherwise (its second field is a name). No other credential has a
    /// <c>|</c> there: badge numbers are <c>[A-Za-z0-9-]</c> only, signed codes start with a prefix and a colon.
    /// Reads at most the first two fields.
    /// </summary>
    public static string? Classify(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var first = text.AsSpan(0, Math.Min(text.Length, MaxFirstField + 1)).IndexOf(Separator);
        if (first < 1 || !IsAsciiLettersOrDigits(text.AsSpan(0, first)))
        {
            return null;
        }

        var rest = text.AsSpan(first + 1);
        var second = rest.IndexOf(Separator);
        var secondField = second < 0 ? rest : rest[..second];
        return IsDigits(text.AsSpan(0, first)) && (secondField.IsEmpty || IsDigits(secondField))
            ? CredentialKinds.VnCccd
            : CredentialKinds.VnPcCovid;
    }

    /// <summary>
    /// Parses <paramref name="text"/> as the kind <see cref="Classify"/> gives. Dates must exist, a birth date must not be
    /// after <paramref name="today"/> (the site's date), an issue date neither, nor before the birth date.
    /// </summary>
    public static VietnameseIdParse Parse(string? text, DateOnly today)
    {
        if (text is null)
        {
            return VietnameseIdParse.Fail("no text");
        }

        if (text.Length > MaxLength)
        {
            return VietnameseIdParse.Fail($"longer than {MaxLength} characters");
        }

        text = text.TrimEnd();
        return Classify(text) switch
        {
            CredentialKinds.VnCccd => ParseCccd(text, today),
            CredentialKinds.VnPcCovid => ParsePcCovid(text, today),
            _ => VietnameseIdParse.Fail("not a Vietnamese personal code (no ID number before the first '|')"),
        };
    }

    private static VietnameseIdParse ParseCccd(string text, DateOnly today)
    {
        var f = text.Split(Separator);
        if (f.Length != CccdFields)
        {
            return VietnameseIdParse.Fail($"CCCD: {CountPhrase(f.Length)}, expected {CccdFields}");
        }

        if (f[0].Length != 12 || !IsDigits(f[0]))
        {
            return VietnameseIdParse.Fail("CCCD: the ID is not 12 digits");
        }

        if (f[1].Length != 0 && (f[1].Length != 9 || !IsDigits(f[1])))
        {
            return VietnameseIdParse.Fail("CCCD: the old ID is neither empty nor 9 digits");
        }

        if (Name(f[2]) is not { } name)
        {
            return VietnameseIdParse.Fail("CCCD: the name is empty, too long or has characters a name does not");
        }

        if (!TryDate(f[3], "ddMMyyyy", out var born) || born > today)
        {
            return VietnameseIdParse.Fail("CCCD: the birth date is not a past ddMMyyyy date");
        }

        if (Nfc(f[4])?.ToUpperInvariant() is not ("NAM" or "NỮ" or "NU"))
        {
            return VietnameseIdParse.Fail("CCCD: the sex is not Nam or Nữ");
        }

        if (string.IsNullOrWhiteSpace(f[5]) || f[5].Length > MaxAddressLength)
        {
            return VietnameseIdParse.Fail("CCCD: the address is empty or too long");
        }

        if (!TryDate(f[6], "ddMMyyyy", out var issued) || issued > today || issued < born)
        {
            return VietnameseIdParse.Fail("CCCD: the issue date is not a ddMMyyyy date between the birth date and today");
        }

        return new(new VietnameseIdCode(CredentialKinds.VnCccd, f[0], name), null);
    }

    private static VietnameseIdParse ParsePcCovid(string text, DateOnly today)
    {
        var f = text.Split(Separator);
        if (f.Length != PcCovidFields)
        {
            return VietnameseIdParse.Fail($"PC-Covid: {CountPhrase(f.Length)}, expected {PcCovidFields}");
        }

        if (!IsPersonalIdNumber(f[0]))
        {
            return VietnameseIdParse.Fail("PC-Covid: the ID number is not 9 or 12 digits nor a passport number");
        }

        if (Name(f[1]) is not { } name)
        {
            return VietnameseIdParse.Fail("PC-Covid: the name is empty, too long or has characters a name does not");
        }

        if (!TryBirthDate(f[2], out var born) || born > today)
        {
            return VietnameseIdParse.Fail("PC-Covid: the date of birth is not a past ddMMyyyy, dd/MM/yyyy or yyyy date");
        }

        if (!IsToken(f[3]))
        {
            return VietnameseIdParse.Fail("PC-Covid: the identity type is not 1–64 of A–Z, a–z, 0–9, '-', '_'");
        }

        if (!IsToken(f[4]))
        {
            return VietnameseIdParse.Fail("PC-Covid: the QID is not 1–64 of A–Z, a–z, 0–9, '-', '_'");
        }

        if (f[5].Length > MaxExtraLength)
        {
            return VietnameseIdParse.Fail("PC-Covid: the extra field is too long");
        }

        return new(new VietnameseIdCode(CredentialKinds.VnPcCovid, f[0].ToUpperInvariant(), name), null);
    }

    /// <summary>Says how many fields there are without repeating any of them.</summary>
    private static string CountPhrase(int count) => count == 1 ? "1 field" : $"{count} fields";

    /// <summary>9 digits (old ID card), 12 digits (citizen ID), or a passport number: 6–12 ASCII letters and digits with a letter.</summary>
    private static bool IsPersonalIdNumber(string value) =>
        IsDigits(value) ? value.Length is 9 or 12 : value.Length is >= 6 and <= 12 && IsAsciiLettersOrDigits(value) && value.Any(char.IsAsciiLetter);

    /// <summary>The name in NFC with runs of spaces made one, or null when it is not a plausible name.</summary>
    private static string? Name(string value)
    {
        var parts = Nfc(value)?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) ?? [];
        var name = string.Join(' ', parts);
        if (name.Length is 0 or > MaxNameLength)
        {
            return null;
        }

        var letters = 0;
        foreach (var c in name)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (char.IsLetter(c))
            {
                letters++;
            }
            else if (category is not (UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark) && c is not (' ' or '-' or '\'' or '.'))
            {
                return null;
            }
        }

        return letters > 0 ? name : null;
    }

    /// <summary>
    /// <paramref name="value"/> in NFC, or null when it holds surrogates: normalising a lone surrogate throws, and no
    /// Vietnamese name or word needs a character outside the basic plane.
    /// </summary>
    internal static string? Nfc(string value)
    {
        foreach (var c in value)
        {
            if (char.IsSurrogate(c))
            {
                return null;
            }
        }

        return value.Normalize(NormalizationForm.FormC);
    }

    private static bool TryBirthDate(string value, out DateOnly date)
    {
        if (value.Length == 4 && IsDigits(value) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year >= 1900)
        {
            date = new DateOnly(year, 1, 1);
            return true;
        }

        return TryDate(value, "ddMMyyyy", out date) || TryDate(value, "dd/MM/yyyy", out date);
    }

    private static bool TryDate(string value, string format, out DateOnly date) =>
        value.Length == format.Length
        && DateOnly.TryParseExact(value, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out date)
        && date.Year >= 1900
        || Fail(out date);

    private static bool Fail(out DateOnly date)
    {
        date = default;
        return false;
    }

    private static bool IsToken(string value) =>
        value.Length is >= 1 and <= MaxTokenLength && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static bool IsDigits(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return !value.IsEmpty;
    }

    private static bool IsAsciiLettersOrDigits(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return !value.IsEmpty;
    }
}
