using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage.Migrations;

/// <summary>Brings a store's schema to the newest version this release knows, one numbered step at a time.</summary>
internal static class StoreMigrator
{
    /// <summary>Every step of the schema, in order.</summary>
    public static IReadOnlyList<IStoreMigration> All { get; } =
    [
        new Migration001InitialSchema(),
        new Migration002TimeIndexes(),
        new Migration003KioskSummaries(),
        new Migration004TracingColumns(),
        new Migration005Retention(),
        new Migration006EventLog(),
        new Migration007SummaryLastHash(),
    ];

    /// <summary>The schema version of a store (0 for a new file or a store from before numbered steps).</summary>
    public static int CurrentVersion(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Applies the steps above the store's version, each in its own transaction; returns the steps applied. A store
    /// whose version is above every known step was written by a newer release and is not opened.
    /// </summary>
    public static IReadOnlyList<IStoreMigration> Migrate(SqliteConnection connection, string storeName, IReadOnlyList<IStoreMigration>? migrations = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        migrations ??= All;
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Store migration '{migrations[i].Name}' has version {migrations[i].Version}; expected {i + 1}.");
            }
        }

        var version = CurrentVersion(connection);
        if (version > migrations.Count)
        {
            throw new StoreVersionException(
                $"The store {storeName} has schema version {version}, newer than this release knows ({migrations.Count}): " +
                "it was written by a newer GateKiosk central. Run that release, or restore a backup of the store.");
        }

        var applied = new List<IStoreMigration>();
        foreach (var migration in migrations.Skip(version))
        {
            using var tx = connection.BeginTransaction();
            migration.Apply(connection, tx);
            using (var cmd = connection.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = $"PRAGMA user_version = {migration.Version}";
                cmd.ExecuteNonQuery();
            }

            tx.Commit();
            applied.Add(migration);
        }

        return applied;
    }

    /// <summary>Runs <paramref name="sql"/> within <paramref name="transaction"/>.</summary>
    public static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>True when <paramref name="table"/> has <paramref name="column"/>.</summary>
    public static bool HasColumn(SqliteConnection connection, SqliteTransaction transaction, string table, string column)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = $column";
        cmd.Parameters.AddWithValue("$column", column);
        return (long)cmd.ExecuteScalar()! > 0;
    }
}

/// <summary>The store was written by a newer release than this one; it is not opened.</summary>
public sealed class StoreVersionException(string message) : Exception(message);
