using GateKiosk.Central.Tracing;

namespace GateKiosk.Central.Tests.Tracing;

public sealed class TracingOptionsTests
{
    [Fact]
    public void Validate_Defaults_Succeed() => Assert.True(new TracingOptionsValidator().Validate(null, new TracingOptions()).Succeeded);

    [Theory]
    [InlineData("Mars/Olympus_Mons", "Tracing:TimeZone")]
    [InlineData(null, "Tracing:MaxStay")]
    public void Validate_BadValue_NamesTheKey(string? zone, string key)
    {
        var options = zone is null ? new TracingOptions { MaxStay = TimeSpan.Zero } : new TracingOptions { TimeZone = zone };

        var result = new TracingOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void EndOfDay_HoChiMinh_IsLocalMidnightAt17Utc()
    {
        var clock = new SiteClock(new TracingOptions().Zone);

        Assert.Equal(new DateTimeOffset(2026, 11, 27, 17, 0, 0, TimeSpan.Zero), clock.EndOfDay(new DateTimeOffset(2026, 11, 27, 16, 59, 59, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 17, 0, 0, TimeSpan.Zero), clock.EndOfDay(new DateTimeOffset(2026, 11, 27, 17, 0, 0, TimeSpan.Zero)));
    }
}
