using System.Security.Cryptography;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;

namespace GateKiosk.Core.Tests.Credentials;

public sealed class TrustListTests
{
    [Fact]
    public void Parse_UnsupportedCurve_IsSkippedNamingTheEntryAndOthersStayTrusted()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var json = $$"""[{"key": {{System.Text.Json.JsonSerializer.Serialize(p384.ExportSubjectPublicKeyInfoPem())}}}, {"key": {{System.Text.Json.JsonSerializer.Serialize(p256.ExportSubjectPublicKeyInfoPem())}}, "usages": ["visitor-pass"]}]""";

        var trust = TrustList.Parse(json);

        var key = Assert.Single(trust.Keys);
        Assert.Equal(KeyAlgorithm.ES256, key.Algorithm);
        Assert.True(key.Allows(CredentialKinds.VisitorPass));
        Assert.False(key.Allows(CredentialKinds.StaffPass));
        Assert.StartsWith("entry 0:", Assert.Single(trust.Skipped), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[{\"kid\": \"AAAA\"}]")]
    [InlineData("[{\"key\": \"-----BEGIN PUBLIC KEY-----\\nnot base64\\n-----END PUBLIC KEY-----\"}]")]
    [InlineData("[{\"certificate\": \"AAAA\"}]")]
    [InlineData("[{\"key\": \"x\", \"usages\": [\"everything\"]}]")]
    public void Parse_MalformedFile_ThrowsFormatException(string json) =>
        Assert.Throws<FormatException>(() => TrustList.Parse(json));
}
