using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

/// <summary>
/// The store's only writing connection, on a thread of its own. Writes queue up while a transaction commits and go
/// together into the next one (one fsync for many batches); each write runs in a savepoint, so one that fails is undone
/// and faulted alone, and a commit that fails faults every write in it. A write's task completes after its commit.
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    /// <summary>Most writes in one transaction.</summary>
    private const int MaxWritesPerCommit = 256;

    private readonly SqliteConnection _connection;
    private readonly BlockingCollection<IWrite> _queue = new(new ConcurrentQueue<IWrite>());
    private readonly Thread _thread;
    private int _disposed;

    public SqliteWriter(SqliteConnection connection)
    {
        _connection = connection;
        _thread = new Thread(Run) { IsBackground = true, Name = "central-store-writer" };
        _thread.Start();
    }

    /// <summary>Runs on the writer thread after a transaction's writes and before its commit (tests pause or fail it here).</summary>
    internal Action? BeforeCommit { get; set; }

    /// <summary>Writes queued and not yet taken into a transaction.</summary>
    public int Pending => _queue.Count;

    /// <summary>Queues <paramref name="work"/>; the task completes once the transaction it ran in is committed.</summary>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work)
    {
        var write = new Write<T>(work);
        try
        {
            _queue.Add(write);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            throw new ObjectDisposedException(nameof(SqliteWriter));
        }

        return write.Task;
    }

    /// <summary>Lets queued writes finish, then closes the connection; a second call does nothing (hosts dispose more than once).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
        _connection.Dispose();
    }

    private void Run()
    {
        var batch = new List<IWrite>();
        foreach (var first in _queue.GetConsumingEnumerable())
        {
            batch.Clear();
            batch.Add(first);
            while (batch.Count < MaxWritesPerCommit && _queue.TryTake(out var next))
            {
                batch.Add(next);
            }

            Commit(batch);
        }
    }

    private void Commit(List<IWrite> batch)
    {
        var done = new List<IWrite>(batch.Count);
        try
        {
            using var tx = _connection.BeginTransaction();
            foreach (var write in batch)
            {
                _connection.ExecutePrepared(tx, "SAVEPOINT w");
                try
                {
                    write.Run(_connection, tx);
                    _connection.ExecutePrepared(tx, "RELEASE w");
                    done.Add(write);
                }
#pragma warning disable CA1031 // Whatever failed, this write is undone and its caller told; the others go on.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    _connection.ExecutePrepared(tx, "ROLLBACK TO w");
                    _connection.ExecutePrepared(tx, "RELEASE w");
                    write.Fail(ex);
                }
            }

            BeforeCommit?.Invoke();
            tx.Commit();
        }
#pragma warning disable CA1031 // A transaction that did not commit stored nothing: every write in it fails.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            foreach (var write in batch)
            {
                write.Fail(ex);
            }

            return;
        }

        foreach (var write in done)
        {
            write.Complete();
        }
    }

    private interface IWrite
    {
        void Run(SqliteConnection connection, SqliteTransaction transaction);

        void Complete();

        void Fail(Exception exception);
    }

    private sealed class Write<T>(Func<SqliteConnection, SqliteTransaction, T> work) : IWrite
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _done.Task;

        public void Run(SqliteConnection connection, SqliteTransaction transaction) => _result = work(connection, transaction);

        public void Complete() => _done.TrySetResult(_result!);

        public void Fail(Exception exception) => _done.TrySetException(exception);
    }
}
