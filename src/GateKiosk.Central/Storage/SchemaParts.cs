using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

/// <summary>
/// Numbered schema steps of one part of central's database (declarations, people, …). The event store owns
/// <c>PRAGMA user_version</c> of the same file, so each part records its version in <c>schema_parts</c>; each step runs
/// in one transaction with that record, and a file from a newer release is refused.
/// </summary>
internal static class SchemaParts
{
    /// <summary>Applies the steps of <paramref name="part"/> above its version; returns the version reached.</summary>
    public static int Migrate(SqliteConnection connection, string part, IReadOnlyList<(string Name, string Sql)> steps)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(steps);
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE IF NOT EXISTS schema_parts(part TEXT NOT NULL PRIMARY KEY, version INTEGER NOT NULL)";
            create.ExecuteNonQuery();
        }

        var version = Version(connection, null, part);
        if (version > steps.Count)
        {
            throw new InvalidOperationException(
                $"central.db has {part} schema version {version}, newer than this release knows ({steps.Count}): run that release or restore a backup.");
        }

        for (var step = version; step < steps.Count; step++)
        {
            using var tx = connection.BeginTransaction();

            // Another process (a CLI verb while central serves) may have applied it since this one looked.
            if (Version(connection, tx, part) > step)
            {
                tx.Rollback();
                continue;
            }

            using (var apply = connection.CreateCommand())
            {
                apply.Transaction = tx;
                apply.CommandText = steps[step].Sql;
                apply.ExecuteNonQuery();
            }

            using (var record = connection.CreateCommand())
            {
                record.Transaction = tx;
                record.CommandText = "INSERT INTO schema_parts(part, version) VALUES($p, $v) ON CONFLICT(part) DO UPDATE SET version = excluded.version";
                record.Parameters.AddWithValue("$p", part);
                record.Parameters.AddWithValue("$v", step + 1);
                record.ExecuteNonQuery();
            }

            tx.Commit();
        }

        return steps.Count;
    }

    /// <summary>The version of <paramref name="part"/>; 0 before its first step.</summary>
    public static int Version(SqliteConnection connection, SqliteTransaction? transaction, string part)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT version FROM schema_parts WHERE part = $p";
        read.Parameters.AddWithValue("$p", part);
        return read.ExecuteScalar() is long v ? (int)v : 0;
    }
}
