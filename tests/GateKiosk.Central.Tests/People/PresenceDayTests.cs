using GateKiosk.Central.People;

namespace GateKiosk.Central.Tests.People;

public sealed class PresenceDayTests
{
    private static readonly TimeZoneInfo Hanoi = TimeZoneInfo.FindSystemTimeZoneById("Asia/Ho_Chi_Minh");

    [Theory]
    [InlineData("2026-03-10T10:00:00+07:00", "23:59", "2026-03-09T23:59:00+07:00")]
    [InlineData("2026-03-10T23:59:00+07:00", "23:59", "2026-03-10T23:59:00+07:00")]
    [InlineData("2026-03-11T00:30:00+07:00", "23:59", "2026-03-10T23:59:00+07:00")]
    [InlineData("2026-03-10T10:00:00+07:00", "04:00", "2026-03-10T04:00:00+07:00")]
    [InlineData("2026-03-10T03:00:00+07:00", "04:00", "2026-03-09T04:00:00+07:00")]
    public void LastEndOfDay_InTheSitesZone_IsTheLatestAtOrBeforeNow(string now, string endOfDay, string expected)
    {
        var end = PresenceService.LastEndOfDay(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), Hanoi, TimeOnly.Parse(endOfDay, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), end);
    }
}
