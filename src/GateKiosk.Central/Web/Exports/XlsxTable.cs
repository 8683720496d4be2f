using System.IO.Packaging;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace GateKiosk.Central.Web.Exports;

/// <summary>
/// An XLSX workbook of one sheet written row by row (DocumentFormat.OpenXml's <see cref="OpenXmlWriter"/> into a package
/// opened write-only), so memory stays flat however many rows there are. Text cells are inline strings (never
/// formulas) and go through <see cref="CellText.Neutralise"/>; numbers stay numbers. Disposing finishes the file.
/// </summary>
public sealed class XlsxTable : IDisposable
{
    private readonly Package _package;
    private readonly SpreadsheetDocument _document;
    private readonly OpenXmlWriter _writer;
    private bool _finished;

    /// <param name="output">Where the file goes: a file stream (the zip is written forwards only).</param>
    public XlsxTable(Stream output, string sheetName)
    {
        _package = Package.Open(output, FileMode.Create, FileAccess.Write);
        _document = SpreadsheetDocument.Create(_package, SpreadsheetDocumentType.Workbook);
        var workbook = _document.AddWorkbookPart();
        workbook.Workbook = new Workbook(new Sheets(new Sheet { Id = "rId1", SheetId = 1, Name = sheetName }));
        var sheet = workbook.AddNewPart<WorksheetPart>("rId1");
        _writer = OpenXmlWriter.Create(sheet);
        _writer.WriteStartElement(new Worksheet());
        _writer.WriteStartElement(new SheetData());
    }

    /// <summary>Writes one row: strings as text, integers and doubles as numbers, null as an empty cell.</summary>
    public void WriteRow(IReadOnlyList<object?> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        _writer.WriteStartElement(new Row());
        foreach (var cell in cells)
        {
            switch (cell)
            {
                case null:
                    _writer.WriteElement(new Cell());
                    break;
                case long or int or double:
                    _writer.WriteElement(new Cell(new CellValue(Convert.ToDouble(cell, System.Globalization.CultureInfo.InvariantCulture))) { DataType = CellValues.Number });
                    break;
                default:
                    _writer.WriteElement(new Cell(new InlineString(new Text(CellText.Neutralise(cell.ToString())) { Space = SpaceProcessingModeValues.Preserve }))
                    {
                        DataType = CellValues.InlineString,
                    });
                    break;
            }
        }

        _writer.WriteEndElement();
    }

    public void Dispose()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        _writer.WriteEndElement();
        _writer.WriteEndElement();
        _writer.Dispose();
        _document.Dispose();
        _package.Close();
    }
}
