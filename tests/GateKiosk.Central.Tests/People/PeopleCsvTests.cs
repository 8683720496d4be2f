using GateKiosk.Central.People;

namespace GateKiosk.Central.Tests.People;

public sealed class PeopleCsvTests
{
    [Fact]
    public async Task Write_FormulaName_IsTextAndReadsBackAsWritten()
    {
        var person = new StaffMember(1, "E1", "=HYPERLINK(\"http://x\",\"y\")", "-Kho", ["site-a", "site-b"], ["B-1", "B-2"], "Mon–Fri 07:00–19:00");
        using var output = new StringWriter();

        var rows = await PeopleCsv.WriteAsync(output, [person]);

        Assert.Equal(1, rows);
        var lines = output.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("employee_id,name,department,sites,badges,schedule", lines[0]);
        Assert.Equal("E1,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'-Kho,site-a site-b,B-1 B-2,Mon–Fri 07:00–19:00", lines[1]);

        var read = Assert.Single(PeopleCsv.Read(new StringReader(output.ToString())));
        Assert.Equal(2, read.Line);
        Assert.Equal(new StaffInput("E1", "=HYPERLINK(\"http://x\",\"y\")", "-Kho", "site-a site-b", "B-1 B-2", "Mon–Fri 07:00–19:00"), read.Input);
    }

    [Fact]
    public void Read_QuotedLineBreakAndMissingColumns_KeepsLinesAndNulls()
    {
        var csv = "name,employee_id\r\n\"Lê\nThị C\",E3\r\n\r\nPhạm D,E4";

        var rows = PeopleCsv.Read(new StringReader(csv)).ToList();

        Assert.Equal([2, 5], rows.Select(r => r.Line));
        Assert.Equal(new StaffInput("E3", "Lê\nThị C", null, null, null, null), rows[0].Input);
        Assert.Equal("Phạm D", rows[1].Input!.Name);
    }

    [Fact]
    public void Read_NoHeader_YieldsOneNullRow()
    {
        var row = Assert.Single(PeopleCsv.Read(new StringReader("E1,Someone\r\n")));

        Assert.Null(row.Input);
    }
}
