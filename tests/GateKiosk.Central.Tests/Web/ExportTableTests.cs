using System.Text;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using GateKiosk.Central.Web.Exports;

namespace GateKiosk.Central.Tests.Web;

/// <summary>The export writers on their own: formulas neutralised in every cell, CSV quoting, XLSX readable back.</summary>
public sealed class ExportTableTests
{
    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\t=1", "'\t=1")]
    [InlineData("\r=1", "'\r=1")]
    [InlineData("+84 912", "'+84 912")]
    [InlineData("E1001", "E1001")]
    [InlineData("Nguyễn Văn A", "Nguyễn Văn A")]
    [InlineData("a=1", "a=1")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Neutralise_FormulaStart_GetsAnApostrophe(string? value, string expected) =>
        Assert.Equal(expected, CellText.Neutralise(value));

    [Fact]
    public async Task CsvTable_QuotesAndNeutralises()
    {
        using var buffer = new MemoryStream();
        await using (var csv = new CsvTable(buffer))
        {
            await csv.WriteRowAsync(["a", "b,c", "=HYPERLINK(\"http://x\",\"y\")", null]);
        }

        Assert.Equal("a,\"b,c\",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\r\n", Encoding.UTF8.GetString(buffer.ToArray()).TrimStart('\uFEFF'));
    }

    [Fact]
    public void XlsxTable_RowsOfTextAndNumbers_ReadBackWithoutFormulas()
    {
        var path = Path.GetTempFileName();
        try
        {
            using (var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite))
            using (var sheet = new XlsxTable(file, "events"))
            {
                sheet.WriteRow(["name", "seq"]);
                sheet.WriteRow(["=HYPERLINK(\"http://x\",\"y\")", 42L]);
            }

            using var document = SpreadsheetDocument.Open(path, false);
            var rows = document.WorkbookPart!.WorksheetParts.Single().Worksheet.Descendants<Row>().ToList();
            Assert.Equal(2, rows.Count);
            var cells = rows[1].Elements<Cell>().ToList();
            Assert.Equal(CellValues.InlineString, cells[0].DataType!.Value);
            Assert.Equal("'=HYPERLINK(\"http://x\",\"y\")", cells[0].InnerText);
            Assert.Equal("42", cells[1].CellValue!.Text);
            Assert.Empty(document.WorkbookPart.WorksheetParts.Single().Worksheet.Descendants<CellFormula>());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
