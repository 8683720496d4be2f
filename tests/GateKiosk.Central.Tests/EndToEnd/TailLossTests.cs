using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GateKiosk.Central.Api;
using GateKiosk.Central.Collecting;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Scanning;
using GateKiosk.Devices.Simulated;
using GateKiosk.Storage;
using GateKiosk.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GateKiosk.Central.Tests.EndToEnd;

/// <summary>A kiosk whose journal lost its newest events after sending them: central shows the lost range and never asks for it.</summary>
public sealed class TailLossTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-tail-e2e-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [SkippableFact(Timeout = 90_000)]
    public async Task TornJournalAfterPublishing_CentralShowsTheDeclaredRange_AndNeverAsksForIt()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);

        // 1500 events that all reached central; then the kiosk's journal loses its last pages.
        var kioskData = Path.Combine(_folder, "kiosk");
        var centralData = Path.Combine(_folder, "central");
        using (var journal = new SqliteEntryJournal(Path.Combine(kioskData, "journal.db"), "site-1", "gate-1"))
        using (var store = new SqliteEventStore(Path.Combine(centralData, "central.db"), TimeProvider.System))
        {
            var events = journal.AppendRange([.. Enumerable.Range(0, 1500).Select(i => new EventDraft
            {
                Type = EventTypes.System,
                OccurredAt = DateTimeOffset.UtcNow,
                TimeSource = TimeSources.Ntp,
                Detail = $"e{i}",
            })]);
            store.AddRange([.. events.Select(e => (JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!, Encoding.UTF8.GetString(e.Payload.Span)))]);
            journal.MarkSent([.. events.Select(e => e.Seq)]);
        }

        TornJournal.CutTail(Path.Combine(kioskData, "journal.db"), keep: 0.75);

        await using var broker = await Mosquitto.StartAsync();
        var port = broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var central = await RunningCentral.StartAsync(centralData, new Dictionary<string, string?>
        {
            // The gap check runs only when this test calls it.
            ["Central:ResendCheckInterval"] = "1.00:00:00",
            ["Mqtt:Host"] = "127.0.0.1",
            ["Mqtt:Port"] = port,
            ["Logging:LogLevel:Default"] = "Error",
        });
        await central.WaitSubscribedAsync();
        using var kiosk = GateKiosk.Program.BuildKioskHost([], b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Kiosk:SiteId"] = "site-1",
                ["Kiosk:KioskId"] = "gate-1",
                ["Kiosk:DataDirectory"] = kioskData,
                ["Gpio:Driver"] = "Simulated",
                ["Mqtt:Host"] = "127.0.0.1",
                ["Mqtt:Port"] = port,
                ["Logging:LogLevel:Default"] = "Error",
            });
            b.Services.Replace(ServiceDescriptor.Singleton<IScanSource>(new SimulatedScanSource("test", TimeProvider.System)));
        });
        await kiosk.StartAsync();

        async Task<ChainReport> ChainAsync() => (await central.Http.GetFromJsonAsync<ChainReport>("/api/kiosks/site-1/gate-1/chain", JsonSerializerOptions.Web))!;
        async Task<KioskSummary> SummaryAsync() =>
            (await central.KiosksAsync())?.SingleOrDefault() ?? new KioskSummary("site-1", "gate-1", "unknown", null, null, 0, 0, null, 0);

        // The salvaged journal continues at 2001 (journal-tail-lost), then journal-recovered and kiosk-started.
        await Eventually.TrueAsync(async () => (await SummaryAsync()).LastSeq >= 2003, TimeSpan.FromSeconds(30), "the kiosk's new events arrive");

        var chain = await ChainAsync();
        Assert.Empty(chain.Breaks);
        Assert.Empty(chain.Gaps);
        Assert.Equal([new SeqRange(1501, 2000)], chain.DeclaredLost);
        var summary = await SummaryAsync();
        Assert.Equal((0L, 500L), (summary.Missing, summary.DeclaredLost));

        using var newest = JsonDocument.Parse(await central.Http.GetStringAsync("/api/events?kiosk=gate-1&limit=1000"));
        var marker = newest.RootElement.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("seq").GetInt64() == 2001);
        Assert.StartsWith(SqliteEntryJournal.TailLost + ": ", marker.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(2000, marker.GetProperty("lostSeqs").GetProperty("to").GetInt64());

        // Two checks in a row: a gap seen twice would be asked for on the second; the declared range never is.
        var repair = central.Services.GetRequiredService<ChainRepairService>();
        Assert.Equal(0, await repair.RequestMissingAsync(CancellationToken.None));
        Assert.Equal(0, await repair.RequestMissingAsync(CancellationToken.None));
        Assert.Equal(0, repair.Requested);

        await kiosk.StopAsync();
        await central.StopAsync();
    }
}
