using GateKiosk.Central.Accounts;
using GateKiosk.Central.Alarms;
using GateKiosk.Central.People;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Tests.Health;
using GateKiosk.Contracts;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Central.Tests.Alarms;

/// <summary>Alarms of kiosk conditions by fake time: a silent kiosk turns stale, and a new episode after an acknowledgement is a new alarm.</summary>
public sealed class AlarmServiceTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private readonly string _folder = Directory.CreateTempSubdirectory("gk-alarms-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero));
    private readonly SqliteEventStore _events;
    private readonly KioskHealthStore _health;
    private readonly SqliteAlarmAcks _acks;
    private readonly SqlitePeopleStore _people;
    private readonly AlarmService _alarms;
    private readonly Actor _guard = new("guard-1", "10.0.0.7", new SiteScope(false, new HashSet<string> { "site-1" }));

    public AlarmServiceTests()
    {
        var db = Path.Combine(_folder, "central.db");
        _events = new SqliteEventStore(db, _time);
        _health = new KioskHealthStore(db, _time, Interval);
        _acks = new SqliteAlarmAcks(db);
        _people = new SqlitePeopleStore(db);
        _alarms = new AlarmService(_events, _health, _acks, new PeopleService(_people, _events, _time), _time);
    }

    public void Dispose()
    {
        _people.Dispose();
        _acks.Dispose();
        _health.Dispose();
        _events.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task List_OnlineKioskSilentForThreeIntervals_IsAStaleAlarmUntilItsTelemetryReturns()
    {
        _health.SetStatus(new KioskStatus(KioskStatus.Online, "k1", "site-1", At: _time.GetUtcNow()));
        _health.SetTelemetry(HealthSamples.Telemetry("site-1", "k1", _time.GetUtcNow()));
        Assert.Empty(await ListAsync());

        _time.Advance(Interval * 3 + TimeSpan.FromSeconds(1));
        var stale = Assert.Single(await ListAsync());
        Assert.Equal((AlarmKinds.KioskStale, "k1"), (stale.Kind, stale.KioskId));

        _health.SetTelemetry(HealthSamples.Telemetry("site-1", "k1", _time.GetUtcNow()));
        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task Acknowledge_ReaderLostThenLostAgain_TheSecondLossIsANewUnacknowledgedAlarm()
    {
        SetReader(connected: false, disconnects: 1);
        var first = Assert.Single(await ListAsync());
        Assert.True(await _alarms.AcknowledgeAsync(first.Key, _guard));
        Assert.False(await _alarms.AcknowledgeAsync(first.Key, _guard));
        var acked = Assert.Single(await ListAsync());
        Assert.Equal(("guard-1", _time.GetUtcNow()), (acked.Ack!.AckedBy, acked.Ack.AckedAt));

        SetReader(connected: true, disconnects: 1);
        Assert.Empty(await ListAsync());
        SetReader(connected: false, disconnects: 2);
        var second = Assert.Single(await ListAsync());
        Assert.Null(second.Ack);
        Assert.NotEqual(first.Key, second.Key);

        var records = (await _events.GetAuditAsync()).Where(r => r.Action == "alarm-ack").ToList();
        Assert.Equal("guard-1", Assert.Single(records).Actor);
    }

    [Fact]
    public async Task Acknowledge_AlarmOfAnotherSite_IsRefused()
    {
        _health.SetStatus(new KioskStatus(KioskStatus.Offline, "k9", "site-2", At: _time.GetUtcNow()));
        var all = await _alarms.ListAsync(_ => true, null);
        var other = Assert.Single(all);

        Assert.Empty(await ListAsync());
        Assert.False(await _alarms.AcknowledgeAsync(other.Key, _guard));
        Assert.Null(Assert.Single(await _alarms.ListAsync(_ => true, null)).Ack);
    }

    private Task<IReadOnlyList<Alarm>> ListAsync() => _alarms.ListAsync(_guard.Scope.Allows, [.. _guard.Scope.Sites]);

    private void SetReader(bool connected, long disconnects)
    {
        _health.SetStatus(new KioskStatus(KioskStatus.Online, "k1", "site-1", At: _time.GetUtcNow()));
        _health.SetTelemetry(HealthSamples.Telemetry("site-1", "k1", _time.GetUtcNow()) with
        {
            Scanner = new ScannerTelemetry("stdin", connected, _time.GetUtcNow(), Reads: 5, DecodeFailures: 0, Disconnects: disconnects),
        });
    }
}
