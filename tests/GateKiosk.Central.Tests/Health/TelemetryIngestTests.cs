using System.Buffers;
using System.Text;
using System.Text.Json;
using GateKiosk.Central.Api;
using GateKiosk.Central.Collecting;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Mqtt;
using GateKiosk.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Central.Tests.Health;

/// <summary>The collector's loop body with telemetry, statuses and command results: what reaches the health store, what is set aside.</summary>
public sealed class TelemetryIngestTests : IDisposable
{
    private const string Site = "site-1";
    private const string Kiosk = "kiosk-1";
    private const string TelemetryTopic = "gatekiosk/v1/site-1/kiosk-1/telemetry";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-telemetry-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero));
    private readonly SqliteEventStore _store;
    private readonly KioskHealthStore _health;
    private readonly CentralMetrics _metrics = new();
    private readonly FakeEntryJournal _journal = new();
    private readonly MqttEventCollector _collector;

    public TelemetryIngestTests()
    {
        _store = new SqliteEventStore(Path.Combine(_folder, "central.db"), _time);
        _health = new KioskHealthStore(Path.Combine(_folder, "central.db"), _time, TimeSpan.FromSeconds(30));
        _collector = new MqttEventCollector(_store, Options.Create(new MqttOptions { Host = "127.0.0.1" }), _time, NullLoggerFactory.Instance, _health, _metrics);
    }

    public void Dispose()
    {
        _collector.Dispose();
        _health.Dispose();
        _store.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    public static TheoryData<string> MalformedKinds()
    {
        var data = new TheoryData<string>();
        foreach (var (kind, _) in HealthSamples.MalformedTelemetry(Site, Kiosk, DateTimeOffset.UnixEpoch))
        {
            data.Add(kind);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MalformedKinds))]
    public async Task Ingest_MalformedTelemetry_CountedAndSetAside_EventIngestUndisturbed(string kind)
    {
        Assert.Equal(IngestOutcome.Stored, Ingest(EventsTopic, Next().Payload.ToArray()).Outcome);
        var payload = HealthSamples.MalformedTelemetry(Site, Kiosk, _time.GetUtcNow()).Single(m => m.Kind == kind).Payload;

        var result = Ingest(TelemetryTopic, payload);

        Assert.Equal(IngestOutcome.Rejected, result.Outcome);
        Assert.True(result.Acknowledge);
        Assert.Null(_health.Get(Site, Kiosk));
        Assert.Equal(1, _collector.Counters.Rejected);
        Assert.Equal(TelemetryTopic, _store.GetQuarantine().Single().Topic);
        Assert.Equal(1, await MetricAsync("gatekiosk_central_messages_malformed_total{topic=\"telemetry\"}"));
        Assert.Equal(0, await MetricAsync("gatekiosk_central_messages_malformed_total{topic=\"events\"}"));

        Assert.Equal(IngestOutcome.Stored, Ingest(EventsTopic, Next().Payload.ToArray()).Outcome);
        Assert.Equal(IngestOutcome.Stored, Ingest(TelemetryTopic, HealthSamples.TelemetryBytes(Site, Kiosk, _time.GetUtcNow())).Outcome);
        Assert.Equal(2, _store.GetKiosks().Single().Events);
        Assert.NotNull(_health.Get(Site, Kiosk)!.Telemetry);
    }

    [Fact]
    public void Ingest_TelemetryStatusAndCommandResult_RecordedWithConfigAndAt()
    {
        var onlineAt = _time.GetUtcNow().AddSeconds(-5);
        Assert.Equal(IngestOutcome.Stored, Ingest("gatekiosk/v1/site-1/kiosk-1/status", HealthSamples.StatusBytes(Site, Kiosk, KioskStatus.Online, onlineAt)).Outcome);
        Assert.Equal(IngestOutcome.Stored, Ingest(TelemetryTopic, HealthSamples.TelemetryBytes(Site, Kiosk, _time.GetUtcNow(), unsent: 12)).Outcome);
        var commandId = Guid.CreateVersion7();
        var result = JsonSerializer.SerializeToUtf8Bytes(new CommandResult(commandId, "done", 5, "requeued"), ContractsJsonContext.Default.CommandResult);
        Assert.Equal(IngestOutcome.Stored, Ingest("gatekiosk/v1/site-1/kiosk-1/cmd/result", result).Outcome);

        var health = _health.Get(Site, Kiosk)!;
        Assert.Equal(KioskHealthStates.Online, health.State);
        Assert.Equal(onlineAt, health.OnlineAt);
        Assert.Equal("stdin", health.Config!["Scanner:Source"]);
        Assert.Equal((12L, 1L, TimeSources.Ntp, "closed", 51.5), (health.Telemetry!.Outbox.Unsent, health.Telemetry.Outbox.SetAside, health.Telemetry.ClockSource, health.Telemetry.Door, health.Telemetry.CpuTemperatureC!.Value));
        Assert.Equal(JournalTelemetry.Normal, health.Telemetry.Journal!.Pressure);
        Assert.Equal((commandId, "done", 5L), (health.LastCommandResult!.CommandId, health.LastCommandResult.Status, health.LastCommandResult.Count!.Value));
    }

    [Fact]
    public async Task Ingest_MalformedCommandResultAndStatus_CountedByTopic_NotRecorded()
    {
        Assert.Equal(IngestOutcome.Rejected, Ingest("gatekiosk/v1/site-1/kiosk-1/cmd/result", "{\"commandId\":\"x\"}"u8.ToArray()).Outcome);
        Assert.Equal(IngestOutcome.Rejected, Ingest("gatekiosk/v1/site-1/kiosk-1/cmd/result", Encoding.UTF8.GetBytes($"{{\"commandId\":\"{Guid.CreateVersion7()}\",\"status\":\"done\",\"detail\":\"{new string('d', ContractLimits.MaxDetailLength + 1)}\"}}")).Outcome);
        Assert.Equal(IngestOutcome.Rejected, Ingest("gatekiosk/v1/site-1/kiosk-1/status", "{\"state\":\"dancing\",\"kioskId\":\"kiosk-1\",\"siteId\":\"site-1\"}"u8.ToArray()).Outcome);

        Assert.Null(_health.Get(Site, Kiosk));
        Assert.Equal(2, await MetricAsync("gatekiosk_central_messages_malformed_total{topic=\"cmd-result\"}"));
        Assert.Equal(1, await MetricAsync("gatekiosk_central_messages_malformed_total{topic=\"status\"}"));
    }

    private const string EventsTopic = "gatekiosk/v1/site-1/kiosk-1/events";

    private IngestResult Ingest(string topic, byte[] payload) => _collector.Ingest(topic, new ReadOnlySequence<byte>(payload));

    private Core.Journaling.JournaledEvent Next() => _journal.Append(new Core.Journaling.EventDraft
    {
        Type = EventTypes.System,
        OccurredAt = _time.GetUtcNow(),
        TimeSource = TimeSources.Ntp,
        Detail = "e",
    });

    private async Task<double> MetricAsync(string series)
    {
        using var stream = new MemoryStream();
        await _metrics.WriteAsync(stream, CancellationToken.None);
        return MetricsText.Value(Encoding.UTF8.GetString(stream.ToArray()), series);
    }
}
