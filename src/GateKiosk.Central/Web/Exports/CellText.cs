namespace GateKiosk.Central.Web.Exports;

/// <summary>
/// Text for one cell of an export (CSV or XLSX). A spreadsheet reads a cell that starts with <c>=</c>, <c>+</c>,
/// <c>-</c> or <c>@</c> (or a tab or carriage return before one) as a formula, so a name such as
/// <c>=HYPERLINK("http://x","y")</c> would run when the file is opened: such text gets a leading apostrophe, which
/// spreadsheets show as plain text. Every export writes its text cells through here.
/// </summary>
public static class CellText
{
    /// <summary><paramref name="value"/> as text a spreadsheet never evaluates; empty for null.</summary>
    public static string Neutralise(string? value) =>
        value is { Length: > 0 } && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value ?? "";
}
