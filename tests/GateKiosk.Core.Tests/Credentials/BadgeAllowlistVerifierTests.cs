using GateKiosk.Contracts;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Decoding;
using Microsoft.Extensions.Options;

namespace GateKiosk.Core.Tests.Credentials;

public sealed class BadgeAllowlistVerifierTests
{
    private static BadgeAllowlistVerifier Create(params string[] allowed)
    {
        var options = new BadgeOptions();
        foreach (var badge in allowed)
        {
            options.Allowlist.Add(badge);
        }

        return new BadgeAllowlistVerifier(Options.Create(options));
    }

    [Fact]
    public void Verify_EnrolledBadge_IsValidWithSubject()
    {
        var check = Create("E1001").Verify(new ScannedCode("E1001"), DateTimeOffset.UnixEpoch);

        Assert.True(check.IsValid);
        Assert.Equal(new CredentialRef(CredentialKinds.Badge, "allowlist", "E1001"), check.Credential);
    }

    [Fact]
    public void Verify_UnknownBadge_IsNotEnrolled()
    {
        var check = Create("E1001").Verify(new ScannedCode("e1001"), DateTimeOffset.UnixEpoch);

        Assert.Equal(ReasonCodes.NotEnrolled, check.Reason);
    }

    [Theory]
    [InlineData("HC1:XYZ", false)]
    [InlineData("https://x", false)]
    [InlineData("E-1001", true)]
    public void Recognizes_OnlyBadgeShapedCodes(string text, bool expected) =>
        Assert.Equal(expected, Create().Recognizes(new ScannedCode(text)));

    [Fact]
    public void Validator_BadBadgeNumber_NamesTheKey()
    {
        var options = new BadgeOptions();
        options.Allowlist.Add("ok-1");
        options.Allowlist.Add("not ok");

        var result = new BadgeOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Badges:Allowlist:1", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void CredentialVerifier_UnrecognisedCode_IsUnsupported()
    {
        var chain = new CredentialVerifier([Create("E1")]);

        var check = chain.Verify(new ScannedCode("HC1:whatever"), DateTimeOffset.UnixEpoch);

        Assert.Equal(ReasonCodes.UnsupportedCredential, check.Reason);
    }
}
