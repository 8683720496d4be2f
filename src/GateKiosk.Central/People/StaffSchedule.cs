using System.Globalization;
using System.Text;
using GateKiosk.Core.Credentials.Signed;

namespace GateKiosk.Central.People;

/// <summary>
/// A staff schedule as people write it: windows separated by <c>;</c> or <c>,</c>, each days then hours, such as
/// <c>Mon–Fri 07:00–19:00; Sat 08:00–12:00</c>. Days are English (<c>Mon</c> … <c>Sun</c>) or Vietnamese (<c>T2</c> …
/// <c>T7</c>, <c>CN</c>), one day or a range; a dash may be <c>-</c> or <c>–</c>. Times are 24-hour, the end after the start.
/// </summary>
public static class StaffSchedule
{
    private static readonly string[] English = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    private static readonly string[] Vietnamese = ["t2", "t3", "t4", "t5", "t6", "t7", "cn"];

    /// <summary>The windows of <paramref name="text"/> (none for empty text: always), or null when it does not parse.</summary>
    public static IReadOnlyList<ScheduleWindow>? Parse(string? text)
    {
        var windows = new List<ScheduleWindow>();
        foreach (var part in (text ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (ParseWindow(part) is not { } window)
            {
                return null;
            }

            windows.Add(window);
        }

        return windows;
    }

    /// <summary>The windows written the one way the pages show them (<c>Mon–Fri 07:00–19:00; …</c>).</summary>
    public static string Format(IReadOnlyList<ScheduleWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var text = new StringBuilder();
        foreach (var w in windows)
        {
            if (text.Length > 0)
            {
                text.Append("; ");
            }

            var first = Capital(English[w.Days[0] - 1]);
            text.Append(w.Days.Count == 1 ? first : $"{first}–{Capital(English[w.Days[^1] - 1])}");
            text.Append(CultureInfo.InvariantCulture, $" {w.From:HH\\:mm}–{w.To:HH\\:mm}");
        }

        return text.ToString();
    }

    private static ScheduleWindow? ParseWindow(string text)
    {
        var parts = text.Replace('–', '-').Replace('—', '-').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            return null;
        }

        var days = parts[0].Split('-');
        var hours = parts[1].Split('-');
        if (days.Length is < 1 or > 2 || hours.Length != 2
            || Day(days[0]) is not { } first || Day(days[^1]) is not { } last || last < first
            || !TimeOnly.TryParseExact(hours[0], "H:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from)
            || !TimeOnly.TryParseExact(hours[1], "H:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var to)
            || to <= from)
        {
            return null;
        }

        return new ScheduleWindow([.. Enumerable.Range(first, last - first + 1)], from, to);
    }

    private static int? Day(string text)
    {
        var lower = text.ToLowerInvariant();
        var i = Array.IndexOf(English, lower.Length > 3 ? lower[..3] : lower);
        if (i < 0)
        {
            i = Array.IndexOf(Vietnamese, lower);
        }

        return i < 0 ? null : i + 1;
    }

    private static string Capital(string day) => char.ToUpperInvariant(day[0]) + day[1..];
}
