using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Testing;

namespace GateKiosk.Core.Tests.Credentials;

public sealed class PassClaimsSchemaTests
{
    [Fact]
    public void ToCbor_EveryClaimWritten_IsDocumentedInTheSchema()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "contracts", "pass-claims.schema.json")));
        var top = schema.RootElement.GetProperty("properties");
        var gk = top.GetProperty("gk").GetProperty("properties");
        using var issuer = new TestIssuer();
        var pass = issuer.Pass(CredentialKinds.VisitorPass, DateTimeOffset.UnixEpoch, TimeSpan.FromHours(1)) with
        {
            SingleUse = true,
            Status = "clear",
            Schedule = [new ScheduleWindow([1], new TimeOnly(8, 0), new TimeOnly(9, 0))],
        };

        Assert.True(CborTree.TryRead(pass.ToCbor(), out var tree));
        var claims = Assert.IsType<CborMap>(tree);
        Assert.All(claims.Keys, k => Assert.True(top.TryGetProperty(Convert.ToString(k, System.Globalization.CultureInfo.InvariantCulture)!, out _), $"claim {k}"));
        Assert.All(((CborMap)claims.Get(GateKioskPass.ClaimKey)!).Keys, k => Assert.True(gk.TryGetProperty((string)k, out _), $"gk.{k}"));
    }
}
