using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Scanning;
using GateKiosk.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Tests.Hosting;

/// <summary>The kiosk's own pipeline (AddKiosk) on signed passes: the same verifier, the door's accepted kinds deciding.</summary>
public sealed class SignedPassPipelineTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 2, 0, 0, TimeSpan.Zero);

    private readonly string _data = Directory.CreateTempSubdirectory("gatekiosk-pipeline-").FullName;
    private readonly TestIssuer _issuer = new();

    [Fact]
    public void Process_SingleUseVisitorPassTwice_AllowsThenDeniesAlreadyUsed()
    {
        using var host = Kiosk(CredentialKinds.VisitorPass, out var clock);
        var pipeline = host.Services.GetRequiredService<GatePipeline>();
        var text = _issuer.Write(_issuer.Pass(CredentialKinds.VisitorPass, Now, TimeSpan.FromHours(1)) with { SingleUse = true });

        var first = pipeline.Process(new RawScan(text, clock.GetTimestamp(), "test"));
        var second = pipeline.Process(new RawScan(text, clock.GetTimestamp(), "test"));

        Assert.Equal(ReasonCodes.Valid, first.Decision.Reason);
        Assert.True(first.Decision.IsAllow);
        Assert.Equal(ReasonCodes.AlreadyUsed, second.Decision.Reason);
    }

    [Fact]
    public void Process_VisitorPassAtADoorForBadgesOnly_IsUnsupportedAndNotUsedUp()
    {
        using var host = Kiosk(CredentialKinds.Badge, out var clock);
        var pipeline = host.Services.GetRequiredService<GatePipeline>();
        var text = _issuer.Write(_issuer.Pass(CredentialKinds.VisitorPass, Now, TimeSpan.FromHours(1)) with { SingleUse = true });

        var first = pipeline.Process(new RawScan(text, clock.GetTimestamp(), "test"));
        var second = pipeline.Process(new RawScan(text, clock.GetTimestamp(), "test"));

        Assert.Equal(ReasonCodes.UnsupportedCredential, first.Decision.Reason);
        Assert.Equal(ReasonCodes.UnsupportedCredential, second.Decision.Reason);
        Assert.Equal(CredentialKinds.VisitorPass, second.Decision.Credential?.Kind);
    }

    public void Dispose()
    {
        _issuer.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    private Microsoft.Extensions.Hosting.IHost Kiosk(string acceptedKind, out FakeTimeProvider clock)
    {
        var trust = Path.Combine(_data, "trust.json");
        File.WriteAllText(trust, Core.Credentials.Signed.TrustList.Write(
            [new Core.Credentials.Signed.TrustFileEntry(_issuer.Kid, _issuer.PrivateKey.ExportSubjectPublicKeyInfoPem(), "test-org", [CredentialKinds.VisitorPass])]));
        var fake = new FakeTimeProvider(Now.AddMinutes(1));
        clock = fake;
        return GateKiosk.Program.BuildKioskHost(
            ["--Kiosk:SiteId=site-a", "--Kiosk:KioskId=k1", $"--Kiosk:DataDirectory={_data}", $"--Kiosk:AcceptedKinds:0={acceptedKind}",
             "--Gpio:Driver=Simulated", $"--Credentials:TrustListPath={trust}"],
            b => b.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(fake)));
    }
}
