using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Declarations;

/// <summary>
/// The tables of sites, declarations and web check-ins in central's database, as numbered steps. The event store owns
/// <c>PRAGMA user_version</c> of the same file, so these steps record their number in <c>schema_parts</c> under the part
/// <c>declarations</c>; each step runs in one transaction with that record, and a file from a newer release is refused.
/// </summary>
internal static class DeclarationSchema
{
    public const string Part = "declarations";

    /// <summary>Every step, in order; step n brings the part to version n.</summary>
    public static readonly IReadOnlyList<(string Name, string Sql)> Steps =
    [
        ("sites", """
            CREATE TABLE sites(
                id          TEXT    NOT NULL PRIMARY KEY,
                name        TEXT    NOT NULL,
                address     TEXT    NOT NULL,
                time_zone   TEXT    NOT NULL,
                form        TEXT    NOT NULL,
                created_at  INTEGER NOT NULL
            );
            """),
        ("declarations", """
            CREATE TABLE declarations(
                id           INTEGER PRIMARY KEY AUTOINCREMENT,
                site_id      TEXT    NOT NULL,
                submitted_at INTEGER NOT NULL,
                subject      TEXT    NOT NULL,
                status       TEXT    NOT NULL,
                pass_id      TEXT    NOT NULL,
                answers      TEXT    NOT NULL
            );
            CREATE INDEX declarations_site_time ON declarations(site_id, submitted_at);
            CREATE INDEX declarations_time ON declarations(submitted_at);
            """),
        ("web check-in chains", """
            CREATE TABLE web_chains(
                site_id   TEXT    NOT NULL PRIMARY KEY,
                last_seq  INTEGER NOT NULL,
                last_hash TEXT    NOT NULL
            );
            """),
    ];

    /// <summary>Applies the steps above the part's version; returns the version reached.</summary>
    public static int Migrate(SqliteConnection connection)
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
                $"central.db has {Part} schema version {version}, newer than this release knows ({Steps.Count}): run that release or restore a backup.");
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
                record.Parameters.AddWithValue("$p", Part);
                record.Parameters.AddWithValue("$v", step + 1);
                record.ExecuteNonQuery();
            }

            tx.Commit();
        }

        return Steps.Count;
    }

    public static int Version(SqliteConnection connection, SqliteTransaction? transaction)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT version FROM schema_parts WHERE part = $p";
        read.Parameters.AddWithValue("$p", Part);
        return read.ExecuteScalar() is long v ? (int)v : 0;
    }
}
