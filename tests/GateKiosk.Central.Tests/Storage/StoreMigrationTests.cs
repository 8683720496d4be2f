using GateKiosk.Central.Storage;
using GateKiosk.Central.Storage.Migrations;
using GateKiosk.Core.Journaling;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Tests.Storage;

/// <summary>The store's numbered schema steps: a new store gets all, an older one the missing ones, a failed step none.</summary>
public sealed class StoreMigrationTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-migrate-" + Guid.NewGuid().ToString("N")[..8]);

    public StoreMigrationTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private string DbPath => Path.Combine(_folder, "central.db");

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        return connection;
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool HasIndex(SqliteConnection connection, string name) =>
        Scalar(connection, $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = '{name}'") == 1;

    [Fact]
    public void Open_NewStore_EveryStepApplied_VersionRecorded()
    {
        using (new SqliteEventStore(DbPath, TimeProvider.System))
        {
        }

        using var connection = Open();
        Assert.Equal(StoreMigrator.All.Count, StoreMigrator.CurrentVersion(connection));
        Assert.True(HasIndex(connection, "events_site_occurred"));
        Assert.True(HasIndex(connection, "events_subject_occurred"));
        Assert.True(HasIndex(connection, "events_kiosk_seq"));
        Assert.False(HasIndex(connection, "events_subject"));
    }

    [Fact]
    public void Open_StoreOfAReleaseBeforeChainChecks_ColumnsAddedAndEventsKept()
    {
        using (var old = Open())
        {
            using var cmd = old.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, site_id TEXT NOT NULL,
                    kiosk_id TEXT NOT NULL, seq INTEGER NOT NULL, occurred_at INTEGER NOT NULL, received_at INTEGER NOT NULL,
                    type TEXT NOT NULL, decision TEXT, reason TEXT, subject TEXT, payload TEXT NOT NULL);
                CREATE INDEX events_subject ON events(subject);
                INSERT INTO events(event_id, site_id, kiosk_id, seq, occurred_at, received_at, type, payload)
                VALUES ('a', 'site-1', 'kiosk-1', 1, 0, 0, 'system', '{}'), ('b', 'site-1', 'kiosk-1', 3, 5, 0, 'system', '{}');
                """;
            cmd.ExecuteNonQuery();
        }

        using (var store = new SqliteEventStore(DbPath, TimeProvider.System))
        {
            var kiosk = Assert.Single(store.GetKiosks());
            Assert.Equal((2L, 3L, 1L), (kiosk.Events, kiosk.LastSeq, kiosk.Missing));
        }

        using var connection = Open();
        Assert.Equal(StoreMigrator.All.Count, StoreMigrator.CurrentVersion(connection));
        Assert.Equal(3, Scalar(connection, "SELECT COUNT(*) FROM pragma_table_info('events') WHERE name IN ('hash', 'prev_hash', 'lost_from')"));
        Assert.False(HasIndex(connection, "events_subject"));
    }

    [Fact]
    public async Task Open_StoreOfARelease_BeforeSummariesKeptTheLastHash_HashFilledIn_NextEventCheckedAgainstIt()
    {
        var chain = new EventStoreContractTests.KioskChain();
        using (var store = new SqliteEventStore(DbPath, TimeProvider.System))
        {
            await store.StoreAsync(chain.Range(1, 3));
        }

        using (var old = Open())
        {
            using var cmd = old.CreateCommand();
            cmd.CommandText = "ALTER TABLE kiosk_summaries DROP COLUMN last_hash; PRAGMA user_version = 6;";
            cmd.ExecuteNonQuery();
        }

        using var store2 = new SqliteEventStore(DbPath, TimeProvider.System);
        using (var connection = Open())
        {
            Assert.Equal(StoreMigrator.All.Count, StoreMigrator.CurrentVersion(connection));
            using var read = connection.CreateCommand();
            read.CommandText = "SELECT last_hash FROM kiosk_summaries";
            Assert.Equal(EventChain.Hash(chain[3].Payload.Span), read.ExecuteScalar());
        }

        // Seq 4 chained to seq 2 instead of seq 3: only the filled-in hash of seq 3 tells.
        await store2.StoreAsync([chain.Seal(EventStoreContractTests.KioskChain.Draft(4), 4, EventChain.Hash(chain[2].Payload.Span))]);
        Assert.Equal((4L, ChainBreakKinds.PrevHashMismatch), (await store2.GetChainBreaksAsync("site-1", "kiosk-1")).Select(b => (b.Seq, b.Kind)).Single());
    }

    [Fact]
    public void Open_StoreOfANewerRelease_RefusedNamingBothVersions()
    {
        using (var newer = Open())
        {
            using var cmd = newer.CreateCommand();
            cmd.CommandText = "PRAGMA user_version = 999";
            cmd.ExecuteNonQuery();
        }

        var error = Assert.Throws<StoreVersionException>(() => new SqliteEventStore(DbPath, TimeProvider.System));
        Assert.Contains("999", error.Message, StringComparison.Ordinal);
        Assert.Contains($"({StoreMigrator.All.Count})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Migrate_StepFails_ItsChangesRolledBack_VersionOfTheLastGoodStep()
    {
        using var connection = Open();
        var steps = new IStoreMigration[] { new Step(1, "CREATE TABLE a(x)"), new Step(2, "CREATE TABLE b(x); INSERT INTO a VALUES (1)", fail: true) };

        Assert.Throws<InvalidOperationException>(() => StoreMigrator.Migrate(connection, "test", steps));

        Assert.Equal(1, StoreMigrator.CurrentVersion(connection));
        Assert.Equal(0, Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'"));
        Assert.Equal(0, Scalar(connection, "SELECT COUNT(*) FROM a"));

        // Fixed, the step is applied on the next open.
        Assert.Single(StoreMigrator.Migrate(connection, "test", [steps[0], new Step(2, "CREATE TABLE b(x)")]));
        Assert.Equal(2, StoreMigrator.CurrentVersion(connection));
    }

    [Fact]
    public void Migrate_StepsNotNumberedInOrder_Refused()
    {
        using var connection = Open();
        Assert.Throws<InvalidOperationException>(() => StoreMigrator.Migrate(connection, "test", [new Step(2, "SELECT 1")]));
        Assert.Equal(0, StoreMigrator.CurrentVersion(connection));
    }

    private sealed class Step(int version, string sql, bool fail = false) : IStoreMigration
    {
        public int Version => version;

        public string Name => $"step {version}";

        public void Apply(SqliteConnection connection, SqliteTransaction transaction)
        {
            StoreMigrator.Execute(connection, transaction, sql);
            if (fail)
            {
                throw new InvalidOperationException("injected: the step failed");
            }
        }
    }
}
