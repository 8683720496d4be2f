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

    private sealed class ThrowingVerifier(string kind) : ICredentialVerifier
    {
        public int Calls { get; private set; }

        public string Kind => kind;

        public bool Recognizes(ScannedCode code) => code.Text.StartsWith("X:", StringComparison.Ordinal);

        public CredentialCheck Verify(ScannedCode code, DateTimeOffset now)
        {
            Calls++;
            throw new InvalidOperationException("broken verifier");
        }
    }

    [Fact]
    public void CredentialVerifier_KindNotAcceptedAtThisDoor_IsUnsupportedWithoutVerifying()
    {
        var other = new ThrowingVerifier(CredentialKinds.EuDcc);
        var chain = new CredentialVerifier([other, Create("E1")], [CredentialKinds.Badge]);

        var check = chain.Verify(new ScannedCode("X:anything"), DateTimeOffset.UnixEpoch);

        Assert.Equal((ReasonCodes.UnsupportedCredential, CredentialKinds.EuDcc), (check.Reason, check.Credential.Kind));
        Assert.Equal(0, other.Calls);
        Assert.True(chain.Verify(new ScannedCode("E1"), DateTimeOffset.UnixEpoch).IsValid);
    }

    [Fact]
    public void CredentialVerifier_VerifierFault_ClosesTheDoorWithInternalError()
    {
        var broken = new ThrowingVerifier(CredentialKinds.EuDcc);

        var check = new CredentialVerifier([broken]).Verify(new ScannedCode("X:anything"), DateTimeOffset.UnixEpoch);

        Assert.Equal(ReasonCodes.InternalError, check.Reason);
        Assert.Equal(1, broken.Calls);
    }
}
