using System.Text.Json;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Scanning;
using GateKiosk.Devices.Simulated;
using GateKiosk.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Xunit.Abstractions;

namespace GateKiosk.Central.Tests.EndToEnd;

/// <summary>kiosk → real Mosquitto → central → API, with the broker stopped and restarted while scans keep coming.</summary>
public sealed class BrokerOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-e2e-" + Guid.NewGuid().ToString("N")[..8]);

    public Task InitializeAsync() => Task.CompletedTask;

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
    public async Task ScansDuringBrokerRestarts_AllReachCentralExactlyOnce_SeqGapless()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();
        var mqtt = new Dictionary<string, string?>
        {
            ["Mqtt:Host"] = "127.0.0.1",
            ["Mqtt:Port"] = broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mqtt:ReconnectMinDelay"] = "00:00:00.100",
            ["Mqtt:ReconnectMaxDelay"] = "00:00:00.500",
            ["Mqtt:Timeout"] = "00:00:03",
            ["Logging:LogLevel:Default"] = "Warning",
        };

        await using var central = await RunningCentral.StartAsync(Path.Combine(_folder, "central"), mqtt);
        await central.WaitSubscribedAsync();

        var reader = new SimulatedScanSource("gate-1", TimeProvider.System);
        using var kiosk = GateKiosk.Program.BuildKioskHost([], b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(mqtt)
            {
                ["Kiosk:SiteId"] = "site-1",
                ["Kiosk:KioskId"] = "gate-1",
                ["Kiosk:DataDirectory"] = Path.Combine(_folder, "kiosk"),
                ["Gpio:Driver"] = "Simulated",
                ["Badges:Allowlist:0"] = "E1001",
            });
            b.Services.Replace(ServiceDescriptor.Singleton<IScanSource>(reader));
        });
        await kiosk.StartAsync();
        var journal = kiosk.Services.GetRequiredService<IEntryJournal>();

        using var stopScanning = new CancellationTokenSource();
        var presented = 0;
        var scanning = Task.Run(async () =>
        {
            for (; !stopScanning.IsCancellationRequested; presented++)
            {
                reader.Present(presented % 3 == 0 ? "E9999" : "E1001");
                await Task.Delay(15);
            }
        });

        // Two outages while scans keep coming: each must be noticed and survived by both clients.
        for (var outage = 0; outage < 2; outage++)
        {
            await WaitForProgressAsync(journal, central);
            await broker.StopAsync();
            var before = journal.GetStats().LastSeq;
            await Eventually.TrueAsync(() => journal.GetStats().LastSeq > before + 20, TimeSpan.FromSeconds(20), "scans journaled while the broker is down");
            await broker.StartAsync();
        }

        await WaitForProgressAsync(journal, central);
        await stopScanning.CancelAsync();
        await scanning;

        // Scans presented last may still be on their way through the pipeline: every one of them, after kiosk-started,
        // is journaled before the journal is compared with central.
        await Eventually.TrueAsync(() => journal.GetStats().LastSeq >= presented + 1, TimeSpan.FromSeconds(10), "every presented scan is journaled");
        var stats = journal.GetStats();
        await Eventually.TrueAsync(
            async () => (await Kiosk(central)).Events >= stats.LastSeq && journal.GetStats().Unsent == 0,
            TimeSpan.FromSeconds(30),
            "central holds every journaled event");

        var events = (await central.AllEventsAsync("limit=1000")).Select(e => e.Deserialize(ContractsJsonContext.Default.EntryEvent)!).ToList();
        var seqs = events.Where(e => e.KioskId == "gate-1").Select(e => e.Seq).Order().ToList();
        output.WriteLine($"journal last seq {stats.LastSeq}; central holds {seqs.Count} events, {seqs.Distinct().Count()} distinct seq");
        Assert.Equal(Enumerable.Range(1, (int)stats.LastSeq).Select(i => (long)i), seqs);
        Assert.Equal(events.Count, events.Select(e => e.EventId).Distinct().Count());
        Assert.Equal(0, (await Kiosk(central)).Missing);

        // The hash chain is intact over what central stored.
        var bySeq = events.OrderBy(e => e.Seq).ToList();
        for (var i = 1; i < bySeq.Count; i++)
        {
            Assert.Equal(EventChain.Hash(EventChain.Serialize(bySeq[i - 1])), bySeq[i].PrevHash);
        }

        await kiosk.StopAsync();
        await central.StopAsync();
    }

    private static async Task WaitForProgressAsync(IEntryJournal journal, RunningCentral central)
    {
        var target = journal.GetStats().LastSeq + 10;
        await Eventually.TrueAsync(async () => (await Kiosk(central)).LastSeq >= target, TimeSpan.FromSeconds(30), $"central reaches seq {target}");
    }

    private static async Task<KioskSummary> Kiosk(RunningCentral central)
    {
        var kiosks = await central.KiosksAsync();
        return kiosks?.FirstOrDefault(k => k.KioskId == "gate-1") ?? new KioskSummary("site-1", "gate-1", "unknown", null, null, 0, 0, null, 0);
    }
}
