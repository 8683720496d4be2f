namespace GateKiosk.Contracts.Tests;

public sealed class TopicsTests
{
    [Fact]
    public void Events_BuildsContractTopic() =>
        Assert.Equal("gatekiosk/v1/site-1/gate-2/events", Topics.Events("site-1", "gate-2"));

    [Theory]
    [InlineData("Site")]
    [InlineData("a+b")]
    [InlineData("a/b")]
    [InlineData("a#")]
    [InlineData("a.b")]
    [InlineData("")]
    public void Events_InvalidId_Throws(string id) =>
        Assert.Throws<ArgumentException>(() => Topics.Events(id, "k"));

    [Fact]
    public void TryParseKioskTopic_RoundTrips()
    {
        Assert.True(Topics.TryParseKioskTopic(Topics.Status("s", "k"), out var site, out var kiosk, out var leaf));
        Assert.Equal(("s", "k", "status"), (site, kiosk, leaf));
        Assert.False(Topics.TryParseKioskTopic("gatekiosk/v1/s/k/x/y", out _, out _, out _));
        Assert.False(Topics.TryParseKioskTopic("other/v1/s/k/events", out _, out _, out _));
    }

    [Fact]
    public void ReasonCodes_AreUniqueKebabCase() =>
        Assert.All(ReasonCodes.All, c => Assert.Matches("^[a-z]+(-[a-z]+)*$", c));
}
