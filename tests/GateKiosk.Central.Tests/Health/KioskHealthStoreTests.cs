using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Central.Tests.Health;

/// <summary>The health store on its own: staleness by fake time, and writes batched off the message path.</summary>
public sealed class KioskHealthStoreTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-health-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero));

    private string DatabasePath => Path.Combine(_folder, "central.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Open_NewFile_RecordsTheHealthPartAtItsNewestStep()
    {
        using (new KioskHealthStore(DatabasePath, _time, Interval))
        {
        }

        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=false");
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT version FROM schema_parts WHERE part = 'health'";
        Assert.Equal((long)KioskHealthStore.Schema.Steps.Count, read.ExecuteScalar());
    }

    [Fact]
    public void Get_NoTelemetryForThreeIntervals_StaleThoughStatusOnline()
    {
        using var store = new KioskHealthStore(DatabasePath, _time, Interval);
        store.SetStatus(new KioskStatus(KioskStatus.Online, "gate-1", "site-1", "1.0", _time.GetUtcNow()));
        store.SetTelemetry(HealthSamples.Telemetry("site-1", "gate-1", _time.GetUtcNow()));

        _time.Advance(3 * Interval);
        Assert.Equal(KioskHealthStates.Online, store.Get("site-1", "gate-1")!.State);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(KioskHealthStates.Stale, store.Get("site-1", "gate-1")!.State);
        Assert.Equal(1, store.CountByState()[KioskHealthStates.Stale]);

        store.SetTelemetry(HealthSamples.Telemetry("site-1", "gate-1", _time.GetUtcNow()));
        Assert.Equal(KioskHealthStates.Online, store.Get("site-1", "gate-1")!.State);

        store.SetStatus(new KioskStatus(KioskStatus.Offline, "gate-1", "site-1", "1.0", _time.GetUtcNow()));
        Assert.Equal(KioskHealthStates.Offline, store.Get("site-1", "gate-1")!.State);
    }

    [Fact]
    public void SetTelemetry_DatabaseLockedByAnotherWriter_ReturnsWithoutWaiting_WrittenAtTheNextFlush()
    {
        using (var store = new KioskHealthStore(DatabasePath, _time, Interval))
        {
            using var other = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
            other.Open();
            using var lockIt = other.CreateCommand();
            lockIt.CommandText = "PRAGMA busy_timeout=0; BEGIN IMMEDIATE;";
            lockIt.ExecuteNonQuery();

            // The MQTT handler records telemetry while another writer holds the database: nothing waits on it.
            store.SetStatus(new KioskStatus(KioskStatus.Online, "gate-1", "site-1", "1.0", _time.GetUtcNow(), new Dictionary<string, string> { ["k"] = "v" }));
            store.SetTelemetry(HealthSamples.Telemetry("site-1", "gate-1", _time.GetUtcNow(), unsent: 7));
            store.SetCommandResult("site-1", "gate-1", new CommandResult(Guid.CreateVersion7(), "done", 3, null));
            Assert.Equal(7, store.Get("site-1", "gate-1")!.Telemetry!.Outbox.Unsent);

            lockIt.CommandText = "ROLLBACK;";
            lockIt.ExecuteNonQuery();
            _time.Advance(KioskHealthStore.FlushInterval);
            Assert.Equal(1, store.Flushes);
        }

        using var reopened = new KioskHealthStore(DatabasePath, _time, Interval);
        var health = reopened.Get("site-1", "gate-1")!;
        Assert.Equal(7, health.Telemetry!.Outbox.Unsent);
        Assert.Equal("v", health.Config!["k"]);
        Assert.Equal(3, health.LastCommandResult!.Count);
    }

    [Fact]
    public void Flush_TenThousandKiosksThreeMessagesEach_OneTransactionWithTheLatest()
    {
        const int Kiosks = 10_000;
        using (var store = new KioskHealthStore(DatabasePath, _time, Interval))
        {
            for (var round = 1; round <= 3; round++)
            {
                for (var i = 0; i < Kiosks; i++)
                {
                    store.SetTelemetry(HealthSamples.Telemetry("site-1", $"gate-{i}", _time.GetUtcNow(), unsent: round));
                }
            }

            Assert.Equal(0, CountRows());
            _time.Advance(KioskHealthStore.FlushInterval);
            Assert.Equal(1, store.Flushes);
            Assert.Equal(Kiosks, CountRows());
            _time.Advance(KioskHealthStore.FlushInterval);
            Assert.Equal(1, store.Flushes); // nothing changed since: nothing written
        }

        using var reopened = new KioskHealthStore(DatabasePath, _time, Interval);
        Assert.Equal(Kiosks, reopened.GetAll().Count);
        Assert.All(reopened.GetAll(), k => Assert.Equal(3, k.Health.Telemetry!.Outbox.Unsent));
    }

    [Fact]
    public void SetTelemetry_BeyondMaxKiosks_NotRecordedAndCounted()
    {
        using var store = new KioskHealthStore(DatabasePath, _time, Interval) { KioskLimit = 50 };
        for (var i = 0; i < 55; i++)
        {
            store.SetTelemetry(HealthSamples.Telemetry("site-1", $"k{i}", _time.GetUtcNow()));
        }

        store.SetTelemetry(HealthSamples.Telemetry("site-1", "k0", _time.GetUtcNow(), unsent: 9)); // a known kiosk still updates

        Assert.Equal(50, store.GetAll().Count);
        Assert.Equal(5, store.Refused);
        Assert.Null(store.Get("site-1", "k50"));
        Assert.Equal(9, store.Get("site-1", "k0")!.Telemetry!.Outbox.Unsent);
    }

    private long CountRows()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM kiosk_health";
        return (long)cmd.ExecuteScalar()!;
    }
}
