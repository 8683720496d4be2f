using GateKiosk.Central.People;

namespace GateKiosk.Central.Tests.People;

public sealed class StaffScheduleTests
{
    [Theory]
    [InlineData("Mon–Fri 07:00–19:00", "Mon–Fri 07:00–19:00")]
    [InlineData("mon-fri 7:00-19:00", "Mon–Fri 07:00–19:00")]
    [InlineData("T2–T6 07:00–19:00; CN 08:00–12:00", "Mon–Fri 07:00–19:00; Sun 08:00–12:00")]
    [InlineData("Sat 08:00-12:00, Mon-Tue 06:30-14:00", "Sat 08:00–12:00; Mon–Tue 06:30–14:00")]
    [InlineData("", "")]
    public void Parse_WrittenSchedule_FormatsTheOneWay(string text, string expected)
    {
        var windows = StaffSchedule.Parse(text);

        Assert.NotNull(windows);
        Assert.Equal(expected, StaffSchedule.Format(windows));
    }

    [Fact]
    public void Parse_WeekdayRange_GivesIsoDaysAndHours()
    {
        var window = Assert.Single(StaffSchedule.Parse("Mon–Fri 07:00–19:00")!);

        Assert.Equal([1, 2, 3, 4, 5], window.Days);
        Assert.Equal((new TimeOnly(7, 0), new TimeOnly(19, 0)), (window.From, window.To));
    }

    [Theory]
    [InlineData("Mon–Fri")]
    [InlineData("Fri–Mon 07:00–19:00")]
    [InlineData("Mon 19:00–07:00")]
    [InlineData("Mon 25:00–26:00")]
    [InlineData("Funday 07:00–19:00")]
    [InlineData("Mon 07:00")]
    public void Parse_NotASchedule_ReturnsNull(string text) => Assert.Null(StaffSchedule.Parse(text));
}
