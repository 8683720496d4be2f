using System.Globalization;
using System.Text;

namespace GateKiosk.Devices.Display;

/// <summary>Fits text to a character grid, and turns Vietnamese into what an HD44780 can draw.</summary>
public static class TextLayout
{
    /// <summary>
    /// Word-wraps each line to <paramref name="columns"/> and keeps the first <paramref name="rows"/>; a word longer
    /// than a row is cut. Always returns exactly <paramref name="rows"/> lines, unpadded.
    /// </summary>
    public static string[] Fit(IEnumerable<string> lines, int columns, int rows)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var result = new List<string>();
        foreach (var line in lines)
        {
            var current = new StringBuilder();
            foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var w = word.Length > columns ? word[..columns] : word;
                if (current.Length > 0 && current.Length + 1 + w.Length > columns)
                {
                    result.Add(current.ToString());
                    current.Clear();
                }

                current.Append(current.Length > 0 ? " " : "").Append(w);
            }

            result.Add(current.ToString());
        }

        while (result.Count < rows)
        {
            result.Add("");
        }

        return [.. result.Take(rows)];
    }

    /// <summary>
    /// Vietnamese without diacritics for a character LCD: đ→d, Đ→D, ư→u, ơ→o, and every other combining mark
    /// dropped after canonical decomposition (ấ→a, ộ→o). Anything still outside printable ASCII becomes '?'.
    /// </summary>
    public static string Transliterate(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            var mapped = c switch
            {
                'đ' => 'd',
                'Đ' => 'D',
                'ư' => 'u',
                'Ư' => 'U',
                'ơ' => 'o',
                'Ơ' => 'O',
                _ => c,
            };
            if (CharUnicodeInfo.GetUnicodeCategory(mapped) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            builder.Append(mapped is >= ' ' and <= '~' ? mapped : '?');
        }

        return builder.ToString();
    }
}
