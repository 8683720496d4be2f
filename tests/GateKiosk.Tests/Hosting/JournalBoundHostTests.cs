using System.Text.Json;
using System.Threading.Channels;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Deciding;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Scanning;
using GateKiosk.Hosting;
using GateKiosk.Storage;
using GateKiosk.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Tests.Hosting;

/// <summary>The bounded journal in the kiosk: a full journal denies at the door, and the maintenance service prunes on time.</summary>
public sealed class JournalBoundHostTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gk-bound-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private SqliteEntryJournal OpenJournal(TimeSpan retention) => new(
        Path.Combine(_data, "journal.db"),
        "site-1",
        "gate-1",
        new JournalOptions { MaxSize = 128 * 1024, SentRetention = retention, PruneInterval = TimeSpan.FromHours(1) },
        _time,
        new FakeTimeSourceProbe(TimeSources.Ntp));

    private EventDraft Draft() => new()
    {
        Type = EventTypes.Entry,
        OccurredAt = _time.GetUtcNow(),
        TimeSource = TimeSources.Ntp,
        Decision = Decisions.Deny,
        Reason = ReasonCodes.NotEnrolled,
        Detail = new string('x', 200),
    };

    private static EntryEvent Read(JournaledEvent e) => JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!;

    [Fact]
    public void Process_JournalFull_DeniesWithInternalErrorAndKeepsEveryEvent()
    {
        using var journal = OpenJournal(TimeSpan.FromDays(30));
        Assert.Throws<IOException>(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                journal.Append(Draft());
            }
        });

        var before = journal.ReadUnsent(0, 100_000);
        var signal = new FakeGateSignal();
        var badges = new BadgeOptions();
        badges.Allowlist.Add("E1001");
        var pipeline = new GatePipeline(
            new CredentialVerifier([new BadgeAllowlistVerifier(Options.Create(badges))]),
            new AccessDecider(Options.Create(new KioskOptions { SiteId = "site-1", KioskId = "gate-1" })),
            journal,
            signal,
            new FakeTimeSourceProbe(TimeSources.Ntp),
            _time,
            NullLogger<GatePipeline>.Instance);

        var outcome = pipeline.Process(new RawScan("E1001", _time.GetTimestamp(), "test"));

        Assert.Equal((Decisions.Deny, ReasonCodes.InternalError), (outcome.Decision.Decision, outcome.Decision.Reason));
        Assert.Null(outcome.Journaled);
        Assert.False(Assert.Single(signal.Signals).IsAllow);
        var after = journal.ReadUnsent(0, 100_000);
        Assert.Equal(before.Select(e => e.Payload.ToArray()), after.Select(e => e.Payload.ToArray()));
        Assert.StartsWith("journal-full: ", Read(after[^1]).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_Started_PrunesAtStartAndEveryInterval()
    {
        using var journal = OpenJournal(TimeSpan.FromDays(1));
        var pruned = Channel.CreateUnbounded<JournalPruneResult>();
        var recording = new RecordingMaintenance(journal, pruned.Writer);
        journal.AppendRange([Draft(), Draft(), Draft()]);
        journal.MarkSent([1, 2, 3]);
        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        journal.AppendRange([Draft(), Draft()]);
        journal.MarkSent([4, 5]);
        using var service = new JournalMaintenanceService(
            recording,
            Options.Create(new JournalOptions { PruneInterval = TimeSpan.FromHours(1) }),
            _time,
            NullLogger<JournalMaintenanceService>.Instance);

        await service.StartAsync(CancellationToken.None);
        var atStart = await pruned.Reader.ReadAsync().AsTask().WaitAsync(Limit);
        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.False(pruned.Reader.TryRead(out _));
        _time.Advance(TimeSpan.FromDays(1));
        var onInterval = await pruned.Reader.ReadAsync().AsTask().WaitAsync(Limit);
        await service.StopAsync(CancellationToken.None);

        Assert.Equal(3, atStart.ExpiredPruned);
        Assert.Equal(1, onInterval.ExpiredPruned); // seq 5, the newest, stays so the chain continues
        Assert.Equal(5, journal.GetStats().LastSeq);
    }

    [Fact]
    public void AddKiosk_JournalOptions_BoundTheJournal()
    {
        using var host = Program.BuildKioskHost(
            ["--Kiosk:SiteId=site-1", "--Kiosk:KioskId=gate-1", $"--Kiosk:DataDirectory={_data}", "--Mqtt:Host=127.0.0.1", "--Gpio:Driver=Simulated", "--Journal:MaxSize=1048576"]);

        var maintenance = host.Services.GetRequiredService<IJournalMaintenance>();

        Assert.Same(host.Services.GetRequiredService<IEntryJournal>(), maintenance);
        Assert.Equal(1048576, maintenance.GetUsage().MaxBytes);
        Assert.Contains(host.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>(), s => s is JournalMaintenanceService);
    }

    [Fact]
    public void AddKiosk_MaxSizeTooSmall_FailsNamingTheKey()
    {
        using var host = Program.BuildKioskHost(
            ["--Kiosk:SiteId=site-1", "--Kiosk:KioskId=gate-1", $"--Kiosk:DataDirectory={_data}", "--Mqtt:Host=127.0.0.1", "--Journal:MaxSize=1000"]);

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IEntryJournal>());

        Assert.Contains("Journal:MaxSize", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Passes prunes through to the real journal and reports each result, so the test awaits a prune instead of sleeping.</summary>
    private sealed class RecordingMaintenance(IJournalMaintenance inner, ChannelWriter<JournalPruneResult> results) : IJournalMaintenance
    {
        public JournalPruneResult Prune()
        {
            var result = inner.Prune();
            results.TryWrite(result);
            return result;
        }

        public JournalUsage GetUsage() => inner.GetUsage();
    }
}
