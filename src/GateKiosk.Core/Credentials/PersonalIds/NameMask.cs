using System.Globalization;
using System.Text;

namespace GateKiosk.Core.Credentials.PersonalIds;

/// <summary>
/// The name the guard's display shows for a personal code: enough to tell "is this the person in front of me", not
/// enough to write down. Vietnamese names are family name first, so the first word is kept and every following word
/// (middle and given names) shows its first letter and one <c>*</c> per further letter: <c>Nguyễn Văn Anh</c> shows
/// <c>Nguyễn V** A**</c>. A one-word name is masked like a given name. The name is brought to NFC first and letters are
/// counted as text elements (a letter with its marks is one), so the decomposed and the composed spelling of a name
/// give the same mask. Never journaled, never logged.
/// </summary>
public static class NameMask
{
    /// <summary>Masks <paramref name="fullName"/>; empty for a name with no words.</summary>
    public static string Mask(string fullName)
    {
        ArgumentNullException.ThrowIfNull(fullName);
        var words = (VietnameseIdCodes.Nfc(fullName) ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return "";
        }

        if (words.Length == 1)
        {
            return Initial(words[0]);
        }

        var builder = new StringBuilder(words[0]);
        foreach (var word in words.AsSpan(1))
        {
            builder.Append(' ').Append(Initial(word));
        }

        return builder.ToString();
    }

    private static string Initial(string word)
    {
        var elements = StringInfo.GetTextElementEnumerator(word);
        elements.MoveNext();
        var first = elements.GetTextElement();
        var rest = 0;
        while (elements.MoveNext())
        {
            rest++;
        }

        return first + new string('*', rest);
    }
}
