using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Decoding;
using GateKiosk.Testing;

namespace GateKiosk.Core.Tests.Credentials;

/// <summary>The NZ COVID Pass specification examples through the same COSE/CWT core, with the clock pinned.</summary>
public sealed class NzCovidPassTests
{
    /// <summary>Within the valid example's window and before the "not active" example's nbf (2026-11-02).</summary>
    private static readonly DateTimeOffset Pinned = new(2021, 11, 5, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, string> Examples => new()
    {
        { "valid/nzcp.txt", ReasonCodes.Valid },
        { "invalid/nzcp-bad-public-key.txt", ReasonCodes.BadSignature },
        { "invalid/nzcp-not-associated-public-key.txt", ReasonCodes.UnknownIssuer },
        { "invalid/nzcp-modified-sig.txt", ReasonCodes.BadSignature },
        { "invalid/nzcp-modified-payload.txt", ReasonCodes.BadSignature },
        { "invalid/nzcp-expired-payload.txt", ReasonCodes.Expired },
        { "invalid/nzcp-notactive-payload.txt", ReasonCodes.NotYetValid },
    };

    [SkippableTheory]
    [MemberData(nameof(Examples))]
    public void Verify_SpecExample_GivesSpecOutcome(string example, string expected)
    {
        var root = RepoPaths.CorpusForTest("nzcp");
        Skip.If(root is null, RepoPaths.CorpusMissing("nzcp"));

        var text = File.ReadAllText(Path.Combine(root!, "examples", example)).Trim();
        var check = Verifier(root!).Verify(new ScannedCode(text), Pinned);

        Assert.Equal(expected, check.Reason);
        if (expected == ReasonCodes.Valid)
        {
            Assert.Equal("did:web:nzcp.covid19.health.nz", check.Credential.Issuer);
            Assert.StartsWith("urn:uuid:", check.Credential.SubjectId, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public void Verify_NotActiveExampleAfterItsStart_IsValid()
    {
        var root = RepoPaths.CorpusForTest("nzcp");
        Skip.If(root is null, RepoPaths.CorpusMissing("nzcp"));

        var text = File.ReadAllText(Path.Combine(root!, "examples", "invalid", "nzcp-notactive-payload.txt")).Trim();
        var check = Verifier(root!).Verify(new ScannedCode(text), new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(ReasonCodes.Valid, check.Reason);
    }

    [SkippableFact]
    public void Verify_UndocumentedRevokedKeyImage_IsUnknownIssuer()
    {
        var root = RepoPaths.CorpusForTest("nzcp");
        Skip.If(root is null, RepoPaths.CorpusMissing("nzcp"));

        var text = CorpusValues.DecodeQr(File.ReadAllBytes(Path.Combine(root!, "examples", "invalid", "nzcp-revoked-public-key.png")));
        Assert.NotNull(text);
        Assert.Equal(ReasonCodes.UnknownIssuer, Verifier(root!).Verify(new ScannedCode(text), Pinned).Reason);
    }

    [Theory]
    [InlineData("NZCP:/2/2KCEVIQEIVVWK6JN")]
    [InlineData("NZCP:/1/2KCEVIQEIVVWK6JN=")]
    [InlineData("NZCP:/1/abc")]
    public void Verify_WrongVersionOrBase32_IsUnreadable(string text)
    {
        var verifier = new NzCovidPassVerifier(new SignedCredentialSettings { Trust = TrustList.Empty });
        Assert.Equal(ReasonCodes.Unreadable, verifier.Verify(new ScannedCode(text), Pinned).Reason);
    }

    /// <summary>The example issuer's key from its DID document, trusted under <c>did:web:…#key-1</c>, as a kiosk would cache it.</summary>
    private static NzCovidPassVerifier Verifier(string root)
    {
        using var jwk = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "examples", "valid", "jwk.json")));
        var key = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint
            {
                X = Base64Url(jwk.RootElement.GetProperty("x").GetString()!),
                Y = Base64Url(jwk.RootElement.GetProperty("y").GetString()!),
            },
        });
        var trusted = TrustedKey.FromKey(key, Encoding.UTF8.GetBytes("did:web:nzcp.covid19.health.nz#key-1"), issuer: "did:web:nzcp.covid19.health.nz");
        return new NzCovidPassVerifier(new SignedCredentialSettings { Trust = new TrustList([trusted]), ClockLeeway = TimeSpan.Zero });
    }

    private static byte[] Base64Url(string text) =>
        Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (text.Length % 4)) % 4));
}
