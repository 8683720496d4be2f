using Npgsql;

namespace GateKiosk.Central.Storage.Postgres;

/// <summary>One numbered step of the PostgreSQL store's schema: plain SQL run in one transaction.</summary>
/// <param name="Version">The schema version the store has once this step is applied (1, 2, … without holes).</param>
/// <param name="Name">What the step does, for the log and the <c>schema_version</c> table.</param>
/// <param name="Sql">The statements; PostgreSQL runs DDL inside the transaction, so a failing step changes nothing.</param>
internal sealed record PostgresMigration(int Version, string Name, string Sql);

/// <summary>
/// Brings a PostgreSQL store's schema to the newest version this release knows. Each applied step is a row of
/// <c>schema_version</c>, written in the step's own transaction. Collectors started side by side take a
/// transaction-level advisory lock first, so exactly one of them applies each step and the others find it done.
/// </summary>
internal static class PostgresMigrator
{
    /// <summary>Key of the advisory lock held while migrating (the bytes of "gkmigrat").</summary>
    private const long AdvisoryLockKey = 0x676b_6d69_6772_6174;

    /// <summary>Every step of the schema, in order.</summary>
    public static IReadOnlyList<PostgresMigration> All => PostgresSchema.Migrations;

    /// <summary>The store's schema version: 0 for an empty database.</summary>
    public static int CurrentVersion(NpgsqlConnection connection, NpgsqlTransaction? transaction = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var cmd = new NpgsqlCommand("SELECT to_regclass('schema_version') IS NOT NULL", connection, transaction);
        if (!(bool)cmd.ExecuteScalar()!)
        {
            return 0;
        }

        cmd.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
        return (int)cmd.ExecuteScalar()!;
    }

    /// <summary>
    /// Applies the steps above the store's version, each in its own transaction; returns those applied. A store whose
    /// version is above every known step was written by a newer release and is refused.
    /// </summary>
    public static IReadOnlyList<PostgresMigration> Migrate(NpgsqlConnection connection, TimeProvider time, IReadOnlyList<PostgresMigration>? migrations = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(time);
        migrations ??= All;
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"PostgreSQL store migration '{migrations[i].Name}' has version {migrations[i].Version}; expected {i + 1}.");
            }
        }

        var applied = new List<PostgresMigration>();
        while (true)
        {
            using var tx = connection.BeginTransaction();
            Execute(connection, tx, $"SELECT pg_advisory_xact_lock({AdvisoryLockKey})");
            Execute(connection, tx, """
                CREATE TABLE IF NOT EXISTS schema_version(
                    version    integer     PRIMARY KEY,
                    name       text        NOT NULL,
                    applied_at timestamptz NOT NULL)
                """);
            var version = CurrentVersion(connection, tx);
            if (version > migrations.Count)
            {
                throw new InvalidOperationException(
                    $"The PostgreSQL store '{connection.Database}' has schema version {version}, newer than this release knows ({migrations.Count}): " +
                    "it was written by a newer GateKiosk central. Run that release, or restore a backup of the store.");
            }

            if (version == migrations.Count)
            {
                tx.Commit();
                return applied;
            }

            var step = migrations[version];
            Execute(connection, tx, step.Sql);
            using (var record = new NpgsqlCommand("INSERT INTO schema_version(version, name, applied_at) VALUES (@v, @n, @at)", connection, tx))
            {
                record.Parameters.AddWithValue("v", step.Version);
                record.Parameters.AddWithValue("n", step.Name);
                record.Parameters.AddWithValue("at", time.GetUtcNow());
                record.ExecuteNonQuery();
            }

            tx.Commit();
            applied.Add(step);
        }
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, connection, tx);
        cmd.ExecuteNonQuery();
    }
}
