using System.Text.Json;
using GateKiosk.Central.Declarations;
using GateKiosk.Central.Passes;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Scanning;
using GateKiosk.Demo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Central.Tests.Declarations;

/// <summary>
/// A phone declares through central's public API; kiosks that trust central's exported trust list decide on the pass:
/// allowed at the site today, denied at another site, stale the next day, and a risky answer sends the person to the guard.
/// </summary>
public sealed class DeclarationEndToEndTests
{
    [Fact(Timeout = 180_000)]
    public async Task Declare_ClearAtItsSiteToday_AllowsThenDeniedElsewhereAndNextDay_ReferIsDeniedForTheGuard()
    {
        await using var central = await DeclaringCentral.StartAsync();
        central.AddSite("que-vo");
        central.AddSite("yen-phong", "Nhà máy Yên Phong");
        var trust = Path.Combine(central.Folder, "trust.json");
        await File.WriteAllTextAsync(trust, new IssuerKeyStore(central.DataDirectory).ExportTrustList("gatekiosk"));

        var clear = await central.DeclareAsync("que-vo", DeclaringCentral.ClearAnswers());
        var risky = DeclaringCentral.ClearAnswers();
        risky["symptoms"] = new[] { "cough" };
        var refer = await central.DeclareAsync("que-vo", risky);
        Assert.Equal((HealthStatuses.Clear, HealthStatuses.Refer), (clear.Status, refer.Status));

        var clock = new FakeTimeProvider(DeclaringCentral.Morning.AddHours(2));
        using var atSite = Kiosk("que-vo", central.Folder, trust, clock);
        using var elsewhere = Kiosk("yen-phong", central.Folder, trust, clock);

        var today = Scan(atSite, clear.Pass, clock);
        var otherSite = Scan(elsewhere, clear.Pass, clock);
        var referred = Scan(atSite, refer.Pass, clock);
        clock.Advance(TimeSpan.FromHours(13)); // 01:00 the next day in Hanoi
        var tomorrow = Scan(atSite, clear.Pass, clock);

        Assert.Equal((Decisions.Allow, ReasonCodes.Valid), today);
        Assert.Equal((Decisions.Deny, ReasonCodes.WrongSite), otherSite);
        Assert.Equal((Decisions.Deny, ReasonCodes.HealthDeclarationRefer), referred);
        Assert.Equal((Decisions.Deny, ReasonCodes.DeclarationStale), tomorrow);
    }

    [Fact(Timeout = 180_000)]
    public async Task Declare_Twice_RecordsChainedWebCheckInsInCentralsEvents()
    {
        await using var central = await DeclaringCentral.StartAsync();
        central.AddSite("que-vo");

        await central.DeclareAsync("que-vo", DeclaringCentral.ClearAnswers());
        central.Clock.Advance(TimeSpan.FromMinutes(5));
        var risky = DeclaringCentral.ClearAnswers();
        risky["contact"] = true;
        await central.DeclareAsync("que-vo", risky);

        var events = await central.Central.AllEventsAsync("site=que-vo&kiosk=web");
        var entries = events.Select(e => JsonSerializer.Deserialize<EntryEvent>(e.GetRawText(), ContractsJsonContext.Default.EntryEvent)!)
            .OrderBy(e => e.Seq).ToList();
        Assert.Equal([1L, 2L], entries.Select(e => e.Seq));
        Assert.All(entries, e => Assert.Equal((EventTypes.CheckIn, EventSources.Web, DeclarationService.WebKioskId), (e.Type, e.Source, e.KioskId)));
        Assert.Null(ContractValidation.CheckEvent(entries[0]));
        Assert.Equal(DeclaringCentral.Morning, entries[0].OccurredAt);
        Assert.Equal([ReasonCodes.Valid, ReasonCodes.HealthDeclarationRefer], entries.Select(e => e.Reason));
        Assert.Equal(Core.Journaling.EventChain.Hash(Core.Journaling.EventChain.Serialize(entries[0])), entries[1].PrevHash);
        Assert.DoesNotContain("Nguyễn", string.Join('\n', events.Select(e => e.GetRawText())), StringComparison.Ordinal);
        Assert.DoesNotContain("001099012345", string.Join('\n', events.Select(e => e.GetRawText())), StringComparison.Ordinal);
    }

    private static IHost Kiosk(string site, string folder, string trust, FakeTimeProvider clock)
    {
        var config = DemoRunner.KioskConfiguration(site + "-gate", folder, brokerPort: 1, trust);
        config["Kiosk:SiteId"] = site;
        config["Kiosk:AcceptedKinds:2"] = CredentialKinds.HealthDeclaration;
        return GateKiosk.Program.BuildKioskHost([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(config);
            builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
        });
    }

    private static (string? Decision, string? Reason) Scan(IHost kiosk, string text, FakeTimeProvider clock)
    {
        var outcome = kiosk.Services.GetRequiredService<GatePipeline>().Process(new RawScan(text, clock.GetTimestamp(), "gate"));
        return (outcome.Decision.Decision, outcome.Decision.Reason);
    }
}
