using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Spreadsheet;

namespace GateKiosk.Central.Web.Exports;

/// <summary>
/// An XLSX workbook of one sheet written row by row, so memory stays flat however many rows there are: the zip is
/// written forwards (<see cref="ZipArchiveMode.Create"/>) and the sheet's XML goes straight into its entry through
/// DocumentFormat.OpenXml's <see cref="OpenXmlWriter"/>. (The SDK's own package API keeps a part in memory until it is
/// saved, and refuses a write-only package.) Text cells are inline strings, never formulas, and go through
/// <see cref="CellText.Neutralise"/>; numbers stay numbers. Disposing finishes the file.
/// </summary>
public sealed class XlsxTable : IDisposable
{
    private const string SheetPath = "xl/worksheets/sheet1.xml";

    private readonly ZipArchive _zip;
    private readonly Stream _sheet;
    private readonly OpenXmlWriter _writer;
    private bool _finished;

    public XlsxTable(Stream output, string sheetName)
    {
        _zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true, Encoding.UTF8);
        Add("[Content_Types].xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>
            """);
        Add("_rels/.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
            """);
        Add("xl/_rels/workbook.xml.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>
            """);
        var workbook = new Workbook(new Sheets(new Sheet { Id = "rId1", SheetId = 1, Name = sheetName }));
        workbook.AddNamespaceDeclaration("r", "http://schemas.openxmlformats.org/officeDocument/2006/relationships");
        Add("xl/workbook.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>" + workbook.OuterXml);

        _sheet = _zip.CreateEntry(SheetPath, CompressionLevel.Fastest).Open();
        _writer = OpenXmlWriter.Create(_sheet, Encoding.UTF8);
        _writer.WriteStartDocument(true);
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
        _sheet.Dispose();
        _zip.Dispose();
    }

    private void Add(string path, string xml)
    {
        using var entry = _zip.CreateEntry(path, CompressionLevel.Fastest).Open();
        entry.Write(Encoding.UTF8.GetBytes(xml));
    }
}
