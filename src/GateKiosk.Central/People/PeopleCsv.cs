using System.Text;
using GateKiosk.Central.Web.Exports;

namespace GateKiosk.Central.People;

/// <summary>
/// Staff as CSV (RFC 4180, UTF-8): <c>employee_id,name,department,sites,badges,schedule</c>, sites and badges separated
/// by spaces. Written cells are neutralised against formulas (<see cref="CellText"/>); read cells lose that apostrophe again.
/// </summary>
internal static class PeopleCsv
{
    public static readonly string[] Header = ["employee_id", "name", "department", "sites", "badges", "schedule"];

    /// <summary>Writes the header and one row per person; returns the rows written.</summary>
    public static async Task<int> WriteAsync(TextWriter output, IEnumerable<StaffMember> people, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(people);
        await output.WriteAsync(Line(Header));
        var rows = 0;
        foreach (var p in people)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await output.WriteAsync(Line([p.EmployeeId, p.Name, p.Department, string.Join(' ', p.Sites), string.Join(' ', p.Badges), p.Schedule]));
            rows++;
        }

        await output.FlushAsync(cancellationToken);
        return rows;
    }

    /// <summary>One CSV line of <paramref name="cells"/>, neutralised and quoted where needed, ending in CRLF.</summary>
    public static string Line(IReadOnlyList<string?> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var line = new StringBuilder();
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0)
            {
                line.Append(',');
            }

            var cell = CellText.Neutralise(cells[i]);
            if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                line.Append('"').Append(cell.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                line.Append(cell);
            }
        }

        return line.Append("\r\n").ToString();
    }

    /// <summary>
    /// The data rows of a staff CSV with their line numbers (the header is line 1). A first line that is not the
    /// header yields one null row and stops.
    /// </summary>
    public static IEnumerable<(int Line, StaffInput? Input)> Read(TextReader csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var lineNumber = 0;
        Dictionary<string, int>? columns = null;
        foreach (var (line, cells) in Records(csv))
        {
            lineNumber = line;
            if (columns is null)
            {
                columns = cells.Select((c, i) => (Name: c.Trim().TrimStart('\uFEFF').ToLowerInvariant(), i))
                    .GroupBy(c => c.Name).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
                if (!columns.ContainsKey("employee_id") || !columns.ContainsKey("name"))
                {
                    yield return (line, null);
                    yield break;
                }

                continue;
            }

            if (cells.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            string? Cell(string name) => columns.TryGetValue(name, out var i) && i < cells.Count ? Restore(cells[i]) : null;
            yield return (line, new StaffInput(Cell("employee_id"), Cell("name"), Cell("department"), Cell("sites"), Cell("badges"), Cell("schedule")));
        }
    }

    /// <summary>A cell as written before <see cref="CellText.Neutralise"/> added its apostrophe.</summary>
    private static string Restore(string cell) =>
        cell.Length > 1 && cell[0] == '\'' && cell[1] is '=' or '+' or '-' or '@' or '\t' or '\r' ? cell[1..] : cell;

    /// <summary>RFC 4180 records with the line each starts on; quoted cells may hold commas, quotes and line breaks.</summary>
    private static IEnumerable<(int Line, List<string> Cells)> Records(TextReader reader)
    {
        var line = 1;
        var start = 1;
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        var any = false;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            any = true;
            if (quoted)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        cell.Append('"');
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        line++;
                    }

                    cell.Append((char)c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when cell.Length == 0:
                    quoted = true;
                    break;
                case ',':
                    cells.Add(cell.ToString());
                    cell.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    cells.Add(cell.ToString());
                    cell.Clear();
                    yield return (start, cells);
                    cells = [];
                    any = false;
                    line++;
                    start = line;
                    break;
                default:
                    cell.Append((char)c);
                    break;
            }
        }

        if (any)
        {
            cells.Add(cell.ToString());
            yield return (start, cells);
        }
    }
}
