using GateKiosk.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace GateKiosk.Tests.Hosting;

public sealed class CredentialOptionsTests
{
    [Theory]
    [InlineData("Credentials:TimeZone", "Mars/Olympus", "Credentials:TimeZone 'Mars/Olympus'")]
    [InlineData("Credentials:ClockLeeway", "02:00:00", "Credentials:ClockLeeway")]
    [InlineData("Credentials:TrustListPath", "/nonexistent/trust.json", "Credentials:TrustListPath '/nonexistent/trust.json'")]
    [InlineData("Credentials:MaxInflatedBytes", "10", "Credentials:MaxInflatedBytes")]
    [InlineData("Credentials:TrustList", "x", "Credentials:TrustList is not a known key")]
    [InlineData("Credentials:Dcc:MaxTestAg", "01:00:00", "Credentials:Dcc:MaxTestAg is not a known key")]
    [InlineData("Credentials:Dcc:MaxTestAge", "-01:00:00", "Credentials:Dcc:MaxTestAge must be positive")]
    public void BuildKioskHost_BadCredentialsKey_FailsNamingTheKey(string key, string value, string expected)
    {
        using var host = GateKiosk.Program.BuildKioskHost([$"--{key}={value}", "--Kiosk:SiteId=site-a", "--Kiosk:KioskId=k1", "--Gpio:Driver=Simulated"]);

        var ex = Assert.ThrowsAny<Exception>(() => host.Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate());

        Assert.Contains(expected, HostRunner.Describe(ex), StringComparison.Ordinal);
    }

    [Fact]
    public void BuildKioskHost_CredentialsSection_ReachesTheVerifiers()
    {
        using var host = GateKiosk.Program.BuildKioskHost(["--Kiosk:SiteId=site-a", "--Kiosk:KioskId=k1", "--Gpio:Driver=Simulated",
            "--Credentials:Dcc:MaxTestAge=01:00:00", "--Credentials:Revoked:0=abc", "--Credentials:TimeZone=Europe/Berlin"]);

        var settings = host.Services.GetRequiredService<Core.Credentials.Signed.SignedCredentialSettings>();

        Assert.Equal(TimeSpan.FromHours(1), settings.DccRules.MaxTestAge);
        Assert.Contains("abc", (IReadOnlySet<string>)settings.Revoked);
        Assert.Equal("site-a", settings.SiteId);
        Assert.Equal("Europe/Berlin", settings.TimeZone.Id);
        Assert.Equal(6, host.Services.GetServices<Core.Credentials.ICredentialVerifier>().Count(v => v.Kind != Contracts.CredentialKinds.Badge));
    }

    [Fact]
    public void BuildKioskHost_DccAcceptedWithoutHashKey_FailsNamingTheKey()
    {
        using var host = GateKiosk.Program.BuildKioskHost(["--Kiosk:SiteId=site-a", "--Kiosk:KioskId=k1", "--Kiosk:AcceptedKinds:0=eu-dcc", "--Gpio:Driver=Simulated"]);

        var ex = Assert.ThrowsAny<Exception>(() => host.Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate());

        Assert.Contains("Credentials:SubjectHashKey is required", HostRunner.Describe(ex), StringComparison.Ordinal);
    }
}
