using System.Net.Http.Json;
using System.Text.Json;
using GateKiosk.Central.Api;
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

/// <summary>Events the broker lost after acknowledging them: central notices the gap and the kiosk resends on request.</summary>
public sealed class ResendTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-resend-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [SkippableFact(Timeout = 90_000)]
    public async Task GapAtCentral_KioskAskedToResend_GapFilledAndChainIntact()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);

        // A journal whose events 5–10 were acknowledged by a broker that then lost them.
        var kioskData = Path.Combine(_folder, "kiosk");
        using (var journal = new SqliteEntryJournal(Path.Combine(kioskData, "journal.db"), "site-1", "gate-1"))
        {
            for (var i = 0; i < 20; i++)
            {
                journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UtcNow, TimeSource = TimeSources.Ntp, Detail = $"e{i}" });
            }

            journal.MarkSent([5, 6, 7, 8, 9, 10]);
        }

        await using var broker = await Mosquitto.StartAsync();
        var port = broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var central = await RunningCentral.StartAsync(Path.Combine(_folder, "central"), new Dictionary<string, string?>
        {
            ["Central:ResendCheckInterval"] = "00:00:01",
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

        // First the gap is visible (kiosk-started makes seq 21)...
        await Eventually.TrueAsync(async () => (await SummaryAsync()).LastSeq >= 21, TimeSpan.FromSeconds(20), "the unacknowledged events arrive");
        // ...then it is asked for and filled.
        await Eventually.TrueAsync(async () => (await ChainAsync()).Gaps.Count == 0 && (await SummaryAsync()).Missing == 0, TimeSpan.FromSeconds(30), "the gap is filled by a resend");

        var chain = await ChainAsync();
        Assert.Empty(chain.Breaks);
        var summary = await SummaryAsync();
        Assert.Equal(summary.LastSeq, summary.Events);
        await kiosk.StopAsync();
        await central.StopAsync();
    }

    [Fact]
    public void Store_EditedEventAndReusedSeq_AreRecordedAsChainBreaks()
    {
        using var store = new SqliteEventStore(Path.Combine(_folder, "store", "central.db"), TimeProvider.System);
        var journal = new FakeEntryJournal();
        var events = Enumerable.Range(0, 5)
            .Select(i => journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UnixEpoch, TimeSource = TimeSources.Ntp, Detail = $"e{i}" }))
            .Select(e => (Entry: JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!, Payload: System.Text.Encoding.UTF8.GetString(e.Payload.Span)))
            .ToList();

        store.AddRange([events[0], events[1], events[3], events[4]]);
        Assert.Equal([new SeqRange(3, 3)], store.GetGaps("site-1", "kiosk-1"));
        Assert.Empty(store.GetChainBreaks("site-1", "kiosk-1"));

        // Seq 3 arrives edited (another decision, same links): its hash no longer matches seq 4's prevHash.
        var edited = events[2].Entry with { EventId = Guid.CreateVersion7(), Detail = "edited" };
        store.Add(edited, System.Text.Encoding.UTF8.GetString(EventChain.Serialize(edited)));

        Assert.Empty(store.GetGaps("site-1", "kiosk-1"));
        Assert.Equal([(4L, ChainBreakKinds.PrevHashMismatch)], store.GetChainBreaks("site-1", "kiosk-1").Select(b => (b.Seq, b.Kind)));

        // Then the genuine seq 3: a second event with the same seq.
        store.AddRange([events[2]]);
        Assert.Contains(store.GetChainBreaks("site-1", "kiosk-1"), b => b is { Seq: 3, Kind: ChainBreakKinds.DuplicateSeq });
        Assert.Equal(2, store.GetKiosks().Single().ChainBreaks);
    }
}
