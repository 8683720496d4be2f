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

    [Theory]
    [InlineData("0912345678")]
    [InlineData("001090012345")]
    public void Verify_NotEnrolledCode_RecordsOnlyAKeyedHashOfIt(string text)
    {
        var key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        var options = new BadgeOptions();
        options.Allowlist.Add("E1001");
        var verifier = new BadgeAllowlistVerifier(Options.Create(options), new GateKiosk.Core.Credentials.Signed.SignedCredentialSettings { Trust = GateKiosk.Core.Credentials.Signed.TrustList.Empty, SubjectHashKey = key });

        var check = verifier.Verify(new ScannedCode(text), DateTimeOffset.UnixEpoch);

        Assert.Equal(ReasonCodes.NotEnrolled, check.Reason);
        Assert.DoesNotContain(text, check.Credential.SubjectId ?? "", StringComparison.Ordinal);
        Assert.Equal(SubjectHash.Of("badge", text, key), check.Credential.SubjectId);
        Assert.Equal(check.Credential.SubjectId, verifier.Verify(new ScannedCode(text), DateTimeOffset.UnixEpoch).Credential.SubjectId);
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
