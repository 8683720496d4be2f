namespace GateKiosk.Central.Web.Exports;

/// <summary>
/// Keeps a spreadsheet from reading an exported cell as a formula: a value that starts with <c>=</c>, <c>+</c>,
/// <c>-</c>, <c>@</c>, tab or carriage return gets a leading apostrophe, which spreadsheets show as text.
/// </summary>
public static class CellText
{
    public static string Neutralise(string? value) =>
        string.IsNullOrEmpty(value) ? "" : value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
}
