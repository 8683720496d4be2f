using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Decoding;
using GateKiosk.Core.Journaling;
using GateKiosk.Testing;

namespace GateKiosk.Core.Tests.Credentials;

public sealed class GateKioskPassVerifierTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 2, 0, 0, TimeSpan.Zero); // 09:00 Monday in Hanoi

    private static readonly TimeZoneInfo Hanoi = TimeZoneInfo.FindSystemTimeZoneById("Asia/Ho_Chi_Minh");

    [Theory]
    [InlineData(KeyAlgorithm.ES256)]
    [InlineData(KeyAlgorithm.PS256)]
    public void Verify_FreshVisitorPass_IsValidWithIssuerKidAndExpiry(KeyAlgorithm algorithm)
    {
        using var issuer = new TestIssuer(algorithm);
        var pass = issuer.Pass(CredentialKinds.VisitorPass, Now.AddMinutes(-5), TimeSpan.FromHours(2));

        var check = Verifier(issuer, CredentialKinds.VisitorPass).Verify(new ScannedCode(issuer.Write(pass)), Now);

        Assert.Equal(ReasonCodes.Valid, check.Reason);
        Assert.Equal(new CredentialRef(CredentialKinds.VisitorPass, "test-org", "V-0001"), check.Credential);
        Assert.Equal(Convert.ToBase64String(issuer.Kid), check.KeyId);
        Assert.Equal(pass.Expires, check.Expires);
    }

    [Fact]
    public void Verify_AfterWindowAndBeforeIt_IsExpiredAndNotYetValid()
    {
        using var issuer = new TestIssuer();
        var text = issuer.Write(issuer.Pass(CredentialKinds.VisitorPass, Now, TimeSpan.FromHours(1)));
        var verifier = Verifier(issuer, CredentialKinds.VisitorPass);

        Assert.Equal(ReasonCodes.Expired, verifier.Verify(new ScannedCode(text), Now.AddHours(1).AddMinutes(3)).Reason);
        Assert.Equal(ReasonCodes.NotYetValid, verifier.Verify(new ScannedCode(text), Now.AddMinutes(-3)).Reason);
        Assert.Equal(ReasonCodes.Valid, verifier.Verify(new ScannedCode(text), Now.AddMinutes(-1)).Reason);
    }

    [Fact]
    public void Verify_SingleUseVisitorPass_OnlyChecksAndIsAlreadyUsedOnceJournaled()
    {
        using var issuer = new TestIssuer();
        var pass = issuer.Pass(CredentialKinds.VisitorPass, Now, TimeSpan.FromHours(1)) with { SingleUse = true };
        var text = issuer.Write(pass);
        var journal = new FakeEntryJournal();
        var verifier = Verifier(issuer, CredentialKinds.VisitorPass, ledger: journal);

        // Verifying never uses the pass up; only a journaled entry does.
        var first = verifier.Verify(new ScannedCode(text), Now);
        Assert.Equal(ReasonCodes.Valid, first.Reason);
        Assert.Equal(ReasonCodes.Valid, verifier.Verify(new ScannedCode(text), Now).Reason);
        Assert.Equal(new SingleUsePass(pass.PassIdHex, pass.Expires), first.SingleUsePass);

        journal.Append(new EventDraft { Type = EventTypes.Entry, OccurredAt = Now, TimeSource = TimeSources.Ntp, Decision = Decisions.Allow, Reason = ReasonCodes.Valid, UsesPass = first.SingleUsePass });

        var second = verifier.Verify(new ScannedCode(text), Now);
        Assert.Equal(ReasonCodes.AlreadyUsed, second.Reason);
        Assert.Null(second.SingleUsePass);
    }

    [Fact]
    public void Verify_MultiUseVisitorPass_UsesNothingUp()
    {
        using var issuer = new TestIssuer();
        var text = issuer.Write(issuer.Pass(CredentialKinds.VisitorPass, Now, TimeSpan.FromHours(1)));

        Assert.Null(Verifier(issuer, CredentialKinds.VisitorPass).Verify(new ScannedCode(text), Now).SingleUsePass);
    }

    [Fact]
    public void Verify_OtherSiteRevokedOrUntrusted_GivesTheirReasons()
    {
        using var issuer = new TestIssuer();
        using var stranger = new TestIssuer();
        var pass = issuer.Pass(CredentialKinds.VisitorPass, Now, TimeSpan.FromHours(1));
        var text = issuer.Write(pass);

        Assert.Equal(ReasonCodes.WrongSite, Verifier(issuer, CredentialKinds.VisitorPass, site: "site-b").Verify(new ScannedCode(text), Now).Reason);
        Assert.Equal(ReasonCodes.Revoked, Verifier(issuer, CredentialKinds.VisitorPass, revoked: pass.PassIdHex).Verify(new ScannedCode(text), Now).Reason);
        Assert.Equal(ReasonCodes.Revoked, Verifier(issuer, CredentialKinds.VisitorPass, revoked: "V-0001").Verify(new ScannedCode(text), Now).Reason);
        Assert.Equal(ReasonCodes.UnknownIssuer, Verifier(stranger, CredentialKinds.VisitorPass).Verify(new ScannedCode(text), Now).Reason);
    }

    [Fact]
    public void Verify_KeyNotAllowedForKind_IsWrongKeyUsage()
    {
        using var issuer = new TestIssuer(usages: [CredentialKinds.VisitorPass]);
        var text = issuer.Write(issuer.Pass(CredentialKinds.StaffPass, Now, TimeSpan.FromDays(365)));

        Assert.Equal(ReasonCodes.WrongKeyUsage, Verifier(issuer, CredentialKinds.StaffPass).Verify(new ScannedCode(text), Now).Reason);
    }

    [Fact]
    public void Verify_StaffBadgeOutsideSchedule_IsOutsideSchedule()
    {
        using var issuer = new TestIssuer();
        var pass = issuer.Pass(CredentialKinds.StaffPass, Now.AddDays(-30), TimeSpan.FromDays(365)) with
        {
            Schedule = [new ScheduleWindow([1, 2, 3, 4, 5], new TimeOnly(7, 0), new TimeOnly(19, 0))],
        };
        var text = issuer.Write(pass);
        var verifier = Verifier(issuer, CredentialKinds.StaffPass);

        Assert.Equal(ReasonCodes.Valid, verifier.Verify(new ScannedCode(text), Now).Reason);
        Assert.Equal(ReasonCodes.OutsideSchedule, verifier.Verify(new ScannedCode(text), Now.AddHours(12)).Reason);
        Assert.Equal(ReasonCodes.OutsideSchedule, verifier.Verify(new ScannedCode(text), Now.AddDays(5)).Reason);
    }

    [Fact]
    public void Verify_HealthDeclarationNextDayInSiteZone_IsDeclarationStale()
    {
        using var issuer = new TestIssuer();

        // Issued 23:30 local on Monday (16:30 UTC), expiring far later: the end of the issuing day still rules.
        var issued = new DateTimeOffset(2026, 3, 2, 16, 30, 0, TimeSpan.Zero);
        var text = issuer.Write(issuer.Pass(CredentialKinds.HealthDeclaration, issued, TimeSpan.FromDays(2)));
        var verifier = Verifier(issuer, CredentialKinds.HealthDeclaration);

        Assert.Equal(ReasonCodes.Valid, verifier.Verify(new ScannedCode(text), issued.AddMinutes(29)).Reason);
        Assert.Equal(ReasonCodes.DeclarationStale, verifier.Verify(new ScannedCode(text), issued.AddMinutes(31)).Reason);
    }

    [Fact]
    public void Verify_HealthDeclarationNotClear_IsRulesNotMet()
    {
        using var issuer = new TestIssuer();
        var text = issuer.Write(issuer.Pass(CredentialKinds.HealthDeclaration, Now, TimeSpan.FromHours(8)) with { Status = "symptoms" });

        Assert.Equal(ReasonCodes.RulesNotMet, Verifier(issuer, CredentialKinds.HealthDeclaration).Verify(new ScannedCode(text), Now).Reason);
    }

    [Fact]
    public void Verify_HealthDeclarationRefer_IsHealthDeclarationRefer()
    {
        using var issuer = new TestIssuer();
        var text = issuer.Write(issuer.Pass(CredentialKinds.HealthDeclaration, Now, TimeSpan.FromHours(8)) with { Status = HealthStatuses.Refer });

        Assert.Equal(ReasonCodes.HealthDeclarationRefer, Verifier(issuer, CredentialKinds.HealthDeclaration).Verify(new ScannedCode(text), Now).Reason);
    }

    [Fact]
    public void Verify_PassOfAnotherKindBehindThisPrefix_IsUnreadable()
    {
        using var issuer = new TestIssuer();
        var staff = issuer.Write(issuer.Pass(CredentialKinds.StaffPass, Now, TimeSpan.FromDays(1)));
        var forged = PassPrefixes.VisitorPass + staff[PassPrefixes.StaffPass.Length..];

        Assert.Equal(ReasonCodes.Unreadable, Verifier(issuer, CredentialKinds.VisitorPass).Verify(new ScannedCode(forged), Now).Reason);
    }

    [Theory]
    [InlineData("::")]
    [InlineData("A")]
    [InlineData("GGW")]
    [InlineData("ab")]
    public void Base45_InvalidText_IsRefused(string text) => Assert.False(Base45.TryDecode(text, out _));

    [Fact]
    public void Base45_RfcExamples_RoundTrip()
    {
        Assert.Equal("BB8", Base45.Encode("AB"u8));
        Assert.Equal("%69 VD92EX0", Base45.Encode("Hello!!"u8));
        Assert.True(Base45.TryDecode("QED8WEX0", out var ietf));
        Assert.Equal("ietf!"u8.ToArray(), ietf);
    }

    internal static GateKioskPassVerifier Verifier(TestIssuer issuer, string kind, string site = "site-a", string? revoked = null, IPassUseLedger? ledger = null) =>
        new(kind, new SignedCredentialSettings
        {
            Trust = issuer.Trust,
            SiteId = site,
            TimeZone = Hanoi,
            Revoked = revoked is null ? System.Collections.Frozen.FrozenSet<string>.Empty : System.Collections.Frozen.FrozenSet.ToFrozenSet([revoked]),
        }, ledger ?? NoPassUseLedger.Instance);
}
