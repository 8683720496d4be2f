using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Decoding;
using GateKiosk.Testing;

namespace GateKiosk.Core.Tests.Credentials;

/// <summary>Whole-chain decisions on corpus certificates: the verdict, the business rules, and what the event may carry.</summary>
public sealed class EuDccVerifierTests
{
    private static readonly byte[] HashKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    [SkippableFact]
    public void Verify_SwissPs256VaccinationAtItsClock_IsValidAndCarriesOnlyAKeyedHash()
    {
        var (text, settings, clock, json) = Load("CH/2DCode/raw/1.json", new DccRules());

        var check = new EuDccVerifier(settings).Verify(new ScannedCode(text), clock);

        Assert.Equal(ReasonCodes.Valid, check.Reason);
        Assert.Equal(CredentialKinds.EuDcc, check.Credential.Kind);
        Assert.Equal("CH", check.Credential.Issuer);
        Assert.Matches("^dcc-[0-9a-f]{32}$", check.Credential.SubjectId);
        Assert.DoesNotContain(json.GetProperty("nam").GetProperty("fnt").GetString()!, check.Credential.SubjectId!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(check.Credential.SubjectId, new EuDccVerifier(settings).Verify(new ScannedCode(text), clock).Credential.SubjectId);
    }

    [SkippableFact]
    public void Verify_VaccinationWhenSiteRefusesVaccinations_IsRulesNotMet()
    {
        var (text, settings, clock, _) = Load("CH/2DCode/raw/1.json", new DccRules { AcceptVaccination = false });

        Assert.Equal(ReasonCodes.RulesNotMet, new EuDccVerifier(settings).Verify(new ScannedCode(text), clock).Reason);
    }

    [SkippableFact]
    public void Verify_TestOlderThanMaxTestAge_IsExpired()
    {
        var (text, settings, clock, _) = Load("AT/2DCode/raw/3.json", new DccRules { MaxTestAge = TimeSpan.FromHours(1) });

        Assert.Equal(ReasonCodes.Expired, new EuDccVerifier(settings).Verify(new ScannedCode(text), clock).Reason);
    }

    [SkippableFact]
    public void Verify_SignerCertificateWithoutTheTypesUsage_IsWrongKeyUsage()
    {
        var (text, settings, clock, _) = Load("common/2DCode/raw/CO6.json", new DccRules());

        Assert.Equal(ReasonCodes.WrongKeyUsage, new EuDccVerifier(settings).Verify(new ScannedCode(text), clock).Reason);
    }

    [SkippableFact]
    public void Verify_RevokedHolderHash_IsRevoked()
    {
        var (text, settings, clock, _) = Load("CH/2DCode/raw/1.json", new DccRules());
        var subject = new EuDccVerifier(settings).Verify(new ScannedCode(text), clock).Credential.SubjectId!;
        var revoked = new SignedCredentialSettings
        {
            Trust = settings.Trust,
            SubjectHashKey = HashKey,
            Revoked = System.Collections.Frozen.FrozenSet.ToFrozenSet([subject]),
        };

        Assert.Equal(ReasonCodes.Revoked, new EuDccVerifier(revoked).Verify(new ScannedCode(text), clock).Reason);
    }

    private static (string Text, SignedCredentialSettings Settings, DateTimeOffset Clock, JsonElement Json) Load(string file, DccRules rules)
    {
        var root = RepoPaths.CorpusForTest("dcc");
        Skip.If(root is null, RepoPaths.CorpusMissing("dcc"));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(root!, file)));
        var context = doc.RootElement.GetProperty("TESTCTX");
        var settings = new SignedCredentialSettings
        {
            Trust = new TrustList([TrustedKey.FromCertificate(Convert.FromBase64String(context.GetProperty("CERTIFICATE").GetString()!))]),
            ClockLeeway = TimeSpan.Zero,
            DccRules = rules,
            SubjectHashKey = HashKey,
        };
        return (doc.RootElement.GetProperty("PREFIX").GetString()!, settings, CorpusValues.ParseClock(context.GetProperty("VALIDATIONCLOCK").GetString()!),
            doc.RootElement.TryGetProperty("JSON", out var json) ? json.Clone() : default);
    }
}
