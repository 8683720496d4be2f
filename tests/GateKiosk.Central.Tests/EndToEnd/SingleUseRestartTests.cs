using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Testing;
using Xunit.Abstractions;

namespace GateKiosk.Central.Tests.EndToEnd;

/// <summary>A single-use visitor pass used at a kiosk process that is then killed (SIGKILL) and started again.</summary>
public sealed class SingleUseRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-single-use-" + Guid.NewGuid().ToString("N")[..8]);

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task SingleUsePass_AllowedOnce_KioskKilledAndRestarted_DeniedAlreadyUsed()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();
        using var issuer = new TestIssuer(usages: [CredentialKinds.VisitorPass]);
        var trustFile = Path.Combine(_folder, "trust.json");
        await File.WriteAllTextAsync(trustFile, TrustList.Write([new TrustFileEntry(issuer.Kid, issuer.PrivateKey.ExportSubjectPublicKeyInfoPem(), issuer.Name, [CredentialKinds.VisitorPass])]));
        var pass = issuer.Write(issuer.Pass(CredentialKinds.VisitorPass, DateTimeOffset.UtcNow.AddMinutes(-5), TimeSpan.FromHours(2)) with { SingleUse = true, Sites = ["site-1"] });
        string[] args = ["--Kiosk:AcceptedKinds:0=visitor-pass", $"--Credentials:TrustListPath={trustFile}"];

        long usedAt;
        await using (var kiosk = await PolicyKioskProcess.StartWithAsync(_folder, broker.Port, "gate-1", "site-1", args))
        {
            var first = await kiosk.ScanAndReadAsync(pass);
            Assert.Equal(("allow", ReasonCodes.Valid), (first.Decision, first.Reason));
            usedAt = first.Seq;

            // SIGKILL right after the allow: no clean stop, whatever was only in memory is gone.
            await kiosk.KillAsync();
        }

        await using var restarted = await PolicyKioskProcess.StartWithAsync(_folder, broker.Port, "gate-1", "site-1", args);
        var again = await restarted.ScanAndReadAsync(pass);
        output.WriteLine($"kiosk: {KioskExecutable.Description}; first scan seq {usedAt} allow, after SIGKILL and restart seq {again.Seq} {again.Decision} ({again.Reason})");

        Assert.Equal(("deny", ReasonCodes.AlreadyUsed), (again.Decision, again.Reason));
        Assert.True(again.Seq > usedAt);
    }
}
