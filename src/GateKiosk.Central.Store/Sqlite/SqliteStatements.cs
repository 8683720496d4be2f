using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

/// <summary>
/// Commands kept prepared per connection, for the statements that run once per event. A new command parses and plans
/// its SQL again on every execution, which cost the writer more than inserting the rows did. A connection is used by
/// one thread at a time (the writer's own, or a reader taken from the pool), so its cache needs no lock. Only constant
/// SQL belongs here; the cache is bounded all the same.
/// </summary>
internal static class SqliteStatements
{
    /// <summary>Most commands kept for one connection; past it the cache starts again.</summary>
    private const int MaxPerConnection = 64;

    private static readonly ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> Cache = [];

    /// <summary>
    /// The connection's prepared command for <paramref name="sql"/>, on <paramref name="transaction"/>, with no
    /// parameters. It belongs to the cache: callers add parameters and execute it, and never dispose it.
    /// </summary>
    public static SqliteCommand Prepared(this SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = Cached(connection, sql, out _);
        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    /// <summary>
    /// The connection's prepared command for <paramref name="sql"/>, on <paramref name="transaction"/>, with the
    /// parameters <paramref name="names"/> in that order, made once and kept: callers set each one's value by index
    /// before executing, so a statement run for every event does not make its parameters again each time. The same SQL
    /// is always asked for with the same names.
    /// </summary>
    public static SqliteCommand Prepared(this SqliteConnection connection, SqliteTransaction? transaction, string sql, string[] names)
    {
        var command = Cached(connection, sql, out var created);
        if (created)
        {
            foreach (var name in names)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }
        }

        command.Transaction = transaction;
        return command;
    }

    private static SqliteCommand Cached(SqliteConnection connection, string sql, out bool created)
    {
        var commands = Cache.GetOrCreateValue(connection);
        if (!commands.TryGetValue(sql, out var command))
        {
            if (commands.Count >= MaxPerConnection)
            {
                foreach (var old in commands.Values)
                {
                    old.Dispose();
                }

                commands.Clear();
            }

            command = connection.CreateCommand();
            command.CommandText = sql;
            commands[sql] = command;
            created = true;
            return command;
        }

        created = false;
        return command;
    }

    /// <summary>Runs constant <paramref name="sql"/> without parameters through the connection's prepared command.</summary>
    public static void ExecutePrepared(this SqliteConnection connection, SqliteTransaction? transaction, string sql) =>
        connection.Prepared(transaction, sql).ExecuteNonQuery();
}
