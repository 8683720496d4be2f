using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

/// <summary>
/// Connections that only read. In WAL mode each sees the last commit and neither waits for the writer nor holds it up,
/// so API requests and ingest never queue behind each other.
/// </summary>
internal sealed class SqliteReaders(string connectionString) : IDisposable
{
    /// <summary>Idle connections kept open for the next read.</summary>
    private const int MaxIdle = 8;

    private readonly ConcurrentBag<SqliteConnection> _idle = [];
    private volatile bool _disposed;

    /// <summary>Runs <paramref name="read"/> on a reading connection.</summary>
    public T Read<T>(Func<SqliteConnection, T> read)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_idle.TryTake(out var connection))
        {
            connection = new SqliteConnection(connectionString);
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "PRAGMA busy_timeout=10000; PRAGMA query_only=ON;";
            cmd.ExecuteNonQuery();
        }

        try
        {
            return read(connection);
        }
        finally
        {
            if (_disposed || _idle.Count >= MaxIdle)
            {
                connection.Dispose();
            }
            else
            {
                _idle.Add(connection);
            }
        }
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }
}
