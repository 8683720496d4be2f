using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Deciding;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Scanning;
using GateKiosk.Devices.Simulated;
using GateKiosk.Hosting;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Tests.Hosting;

public sealed class ScanWorkerTests
{
    private static GatePipeline Pipeline(IEntryJournal journal, TimeProvider time) => new(
        new CredentialVerifier([new BadgeAllowlistVerifier(Options.Create(new BadgeOptions()))]),
        new AccessDecider(Options.Create(new KioskOptions { SiteId = "site-1", KioskId = "kiosk-1" })),
        journal,
        new FakeGateSignal(),
        new FakeTimeSourceProbe(TimeSources.Ntp),
        time,
        NullLogger<GatePipeline>.Instance);

    [Fact]
    public void OnConnectionChanged_ReaderGoesAwayAndComesBack_JournalsSystemEvents()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
        var journal = new FakeEntryJournal();
        var pipeline = Pipeline(journal, time);
        var health = new ScannerHealthTracker("serial:/dev/ttyACM0", time);
        using var worker = new ScanWorker(new SimulatedScanSource("serial:/dev/ttyACM0", time), health, pipeline, journal, new KioskLiveness(journal, time), NullLogger<ScanWorker>.Instance);
        health.ConnectionChanged += worker.OnConnectionChanged;

        health.MarkConnected();      // first open at start: not an event
        health.MarkDisconnected();   // unplugged
        health.MarkDisconnected();   // still away: no second event
        health.MarkConnected();      // back

        var details = journal.All
            .Select(e => JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!)
            .Select(e => (e.Type, e.Detail))
            .ToList();
        Assert.Equal([(EventTypes.System, ScanWorker.ScannerDisconnected), (EventTypes.System, ScanWorker.ScannerReconnected)], details);
        Assert.Equal(1, health.Current.Disconnects);
    }

    [Fact]
    public async Task ExecuteAsync_SeqReservationUnreadable_JournalsWhyBeforeTheStartEvent()
    {
        var folder = Directory.CreateTempSubdirectory("gk-seqfile-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "journal.seq"), "not a number\n");
            using var journal = new GateKiosk.Storage.SqliteEntryJournal(Path.Combine(folder.FullName, "journal.db"), "site-1", "kiosk-1");
            var time = TimeProvider.System;
            var pipeline = Pipeline(journal, time);
            var health = new ScannerHealthTracker("test", time);
            using var worker = new ScanWorker(new SimulatedScanSource("test", time), health, pipeline, journal, new KioskLiveness(journal, time), NullLogger<ScanWorker>.Instance);

            await worker.StartAsync(CancellationToken.None);
            await Eventually.TrueAsync(() => journal.GetStats().LastSeq >= 2, TimeSpan.FromSeconds(10), "the worker journals its start");
            await worker.StopAsync(CancellationToken.None);

            var details = journal.ReadUnsent(0, 10)
                .Select(e => JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!.Detail)
                .ToList();
            Assert.StartsWith("journal-seq-unreadable: journal.seq holds no seq number;", details[0], StringComparison.Ordinal);
            Assert.Equal("kiosk-started", details[1]);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
