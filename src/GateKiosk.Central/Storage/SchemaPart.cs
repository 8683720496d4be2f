using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

/// <summary>
/// One part of central.db's schema (accounts, sites and declarations, …) as numbered steps. The event store owns
/// <c>PRAGMA user_version</c> of the same file, so each part records its own version in the table
/// <c>schema_parts</c>. Each step runs in one transaction with that record, a step another process applied in the
/// meantime is skipped, and a file from a newer release is refused.
/// </summary>
internal sealed class SchemaPart
{
    public SchemaPart(string name, IReadOnlyList<(string Name, string Sql)> steps)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(steps);
        Name = name;
        Steps = steps;
    }

    /// <summary>The part's key in <c>schema_parts</c>.</summary>
    public string Name { get; }

    /// <summary>Every step, in order; step n brings the part to version n.</summary>
    public IReadOnlyList<(string Name, string Sql)> Steps { get; }

    /// <summary>
    /// Opens central.db at <paramref name="databasePath"/> for this part's store (private file modes, WAL, full
    /// durability, a busy timeout for the other processes that share it) and brings the part to its newest step.
    /// </summary>
    public SqliteConnection Open(string databasePath)
    {
        GateKiosk.Core.PrivateFiles.PrepareDatabase(databasePath);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        try
        {
            connection.Open();
            using (var pragmas = connection.CreateCommand())
            {
                pragmas.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;";
                pragmas.ExecuteNonQuery();
            }

            Migrate(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Applies the steps above the part's version; returns the version reached.</summary>
    public int Migrate(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE IF NOT EXISTS schema_parts(part TEXT NOT NULL PRIMARY KEY, version INTEGER NOT NULL)";
            create.ExecuteNonQuery();
        }

        var version = Version(connection, null);
        if (version > Steps.Count)
        {
            throw new InvalidOperationException(
                $"central.db has {Name} schema version {version}, newer than this release knows ({Steps.Count}): run that release or restore a backup.");
        }

        for (var step = version; step < Steps.Count; step++)
        {
            using var tx = connection.BeginTransaction();

            // Another process (a CLI verb while central serves) may have applied it since this one looked.
            if (Version(connection, tx) > step)
            {
                tx.Rollback();
                continue;
            }

            using (var apply = connection.CreateCommand())
            {
                apply.Transaction = tx;
                apply.CommandText = Steps[step].Sql;
                apply.ExecuteNonQuery();
            }

            using (var record = connection.CreateCommand())
            {
                record.Transaction = tx;
                record.CommandText = "INSERT INTO schema_parts(part, version) VALUES($p, $v) ON CONFLICT(part) DO UPDATE SET version = excluded.version";
                record.Parameters.AddWithValue("$p", Name);
                record.Parameters.AddWithValue("$v", step + 1);
                record.ExecuteNonQuery();
            }

            tx.Commit();
        }

        return Steps.Count;
    }

    /// <summary>The part's version in the file (0 when none of its steps ran).</summary>
    public int Version(SqliteConnection connection, SqliteTransaction? transaction)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT version FROM schema_parts WHERE part = $p";
        read.Parameters.AddWithValue("$p", Name);
        return read.ExecuteScalar() is long v ? (int)v : 0;
    }
}
