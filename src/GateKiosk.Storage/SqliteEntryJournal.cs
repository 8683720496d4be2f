using GateKiosk.Core.Journaling;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Storage;

/// <summary>
/// The journal and outbox in one SQLite file (WAL). Appends commit with <c>synchronous=FULL</c>, so an
/// event that <see cref="Append"/> returned survives a power cut; the publisher's sent marks use a
/// second connection with <c>synchronous=NORMAL</c>, because a lost mark only means a resend that
/// central absorbs by <c>eventId</c>.
/// </summary>
public sealed class SqliteEntryJournal : IEntryJournal, IDisposable
{
    internal const string Schema = """
        CREATE TABLE IF NOT EXISTS journal(
            seq         INTEGER PRIMARY KEY,
            event_id    TEXT    NOT NULL UNIQUE,
            occurred_at INTEGER NOT NULL,
            payload     BLOB    NOT NULL
        );
        CREATE TABLE IF NOT EXISTS outbox(
            seq   INTEGER PRIMARY KEY,
            state INTEGER NOT NULL DEFAULT 0
        );
        CREATE TRIGGER IF NOT EXISTS journal_to_outbox AFTER INSERT ON journal
        BEGIN
            INSERT INTO outbox(seq) VALUES (new.seq);
        END;
        """;

    /// <summary>
    /// States of a row of <c>outbox</c>, which holds only what is not yet acknowledged: waiting, or refused and
    /// set aside. Acknowledged events leave the outbox, so marking sent never rewrites an event's row.
    /// </summary>
    private const int Unsent = 0;
    private const int Aside = 2;

    private readonly string _path;
    private readonly string _siteId;
    private readonly string _kioskId;
    private readonly AppendSignal _appended = new();
    private readonly Lock _writeLock = new();
    private readonly Lock _readLock = new();
    private readonly SqliteConnection _writer;
    private readonly SqliteConnection _reader;
    private readonly SqliteCommand _insert;
    private long _lastSeq;
    private string _lastHash;

    public SqliteEntryJournal(string databasePath, string siteId, string kioskId)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        _path = Path.GetFullPath(databasePath);
        _siteId = siteId;
        _kioskId = kioskId;
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        OpenReport = JournalRecovery.Check(_path);

        _writer = Open(_path, "FULL");
        Execute(_writer, Schema);
        _reader = Open(_path, "NORMAL");

        (_lastSeq, _lastHash) = ReadTail(_writer);
        _insert = _writer.CreateCommand();
        _insert.CommandText = "INSERT INTO journal(seq, event_id, occurred_at, payload) VALUES ($seq, $id, $at, $payload)";
        _insert.Parameters.Add("$seq", SqliteType.Integer);
        _insert.Parameters.Add("$id", SqliteType.Text);
        _insert.Parameters.Add("$at", SqliteType.Integer);
        _insert.Parameters.Add("$payload", SqliteType.Blob);
        _insert.Prepare();
    }

    /// <summary>The journal file.</summary>
    public string DatabasePath => _path;

    /// <summary>What opening found: intact, new, or damaged and salvaged (the kiosk journals a system event for that).</summary>
    public JournalOpenReport OpenReport { get; }

    public JournaledEvent Append(EventDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        lock (_writeLock)
        {
            return AppendLocked(draft);
        }
    }

    /// <summary>Appends several events in one durable commit (a burst, an import): all of them or none.</summary>
    public IReadOnlyList<JournaledEvent> AppendRange(IReadOnlyList<EventDraft> drafts)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        lock (_writeLock)
        {
            var (seq, hash) = (_lastSeq, _lastHash);
            using var tx = _writer.BeginTransaction();
            _insert.Transaction = tx;
            try
            {
                var appended = drafts.Select(AppendLocked).ToList();
                tx.Commit();
                return appended;
            }
            catch
            {
                (_lastSeq, _lastHash) = (seq, hash);
                throw;
            }
            finally
            {
                _insert.Transaction = null;
            }
        }
    }

    private JournaledEvent AppendLocked(EventDraft draft)
    {
        var seq = _lastSeq + 1;
        var eventId = Guid.CreateVersion7(draft.OccurredAt);
        var entry = EventChain.Seal(draft, _siteId, _kioskId, seq, _lastHash, eventId);
        var payload = EventChain.Serialize(entry);

        _insert.Parameters[0].Value = seq;
        _insert.Parameters[1].Value = eventId.ToString();
        _insert.Parameters[2].Value = entry.OccurredAt.ToUnixTimeMilliseconds();
        _insert.Parameters[3].Value = payload;
        _insert.ExecuteNonQuery(); // outside AppendRange this is its own fsync'd WAL commit

        _lastSeq = seq;
        _lastHash = EventChain.Hash(payload);
        _appended.Set();
        return new JournaledEvent(seq, eventId, payload);
    }

    public IReadOnlyList<JournaledEvent> ReadUnsent(long afterSeq, int max)
    {
        lock (_readLock)
        {
            using var cmd = _reader.CreateCommand();
            cmd.CommandText = $"""
                SELECT j.seq, j.event_id, j.payload FROM outbox o JOIN journal j ON j.seq = o.seq
                WHERE o.seq > $after AND o.state = {Unsent} ORDER BY o.seq LIMIT $max
                """;
            cmd.Parameters.AddWithValue("$after", afterSeq);
            cmd.Parameters.AddWithValue("$max", max);
            using var reader = cmd.ExecuteReader();
            var list = new List<JournaledEvent>();
            while (reader.Read())
            {
                list.Add(new JournaledEvent(reader.GetInt64(0), Guid.Parse(reader.GetString(1)), (byte[])reader[2]));
            }

            return list;
        }
    }

    public void MarkSent(IReadOnlyList<long> seqs) => ForRanges(seqs, "DELETE FROM outbox WHERE seq BETWEEN $first AND $last");

    public void SetAside(IReadOnlyList<long> seqs) => ForRanges(seqs, $"UPDATE outbox SET state = {Aside} WHERE seq BETWEEN $first AND $last");

    public int Requeue(long fromSeq, long toSeq)
    {
        lock (_readLock)
        {
            using var cmd = _reader.CreateCommand();
            cmd.CommandText = $"""
                INSERT INTO outbox(seq, state) SELECT seq, {Unsent} FROM journal WHERE seq BETWEEN $from AND $to
                ON CONFLICT(seq) DO UPDATE SET state = {Unsent}
                """;
            cmd.Parameters.AddWithValue("$from", fromSeq);
            cmd.Parameters.AddWithValue("$to", toSeq);
            var count = cmd.ExecuteNonQuery();
            _appended.Set();
            return count;
        }
    }

    public int RequeueSetAside()
    {
        lock (_readLock)
        {
            using var cmd = _reader.CreateCommand();
            cmd.CommandText = $"UPDATE outbox SET state = {Unsent} WHERE state = {Aside}";
            return cmd.ExecuteNonQuery();
        }
    }

    /// <summary>Runs <paramref name="sql"/> over <paramref name="seqs"/> in one transaction, as ranges of consecutive numbers.</summary>
    private void ForRanges(IReadOnlyList<long> seqs, string sql)
    {
        ArgumentNullException.ThrowIfNull(seqs);
        if (seqs.Count == 0)
        {
            return;
        }

        lock (_readLock)
        {
            using var tx = _reader.BeginTransaction();
            using var cmd = _reader.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = sql;
            var first = cmd.Parameters.Add("$first", SqliteType.Integer);
            var last = cmd.Parameters.Add("$last", SqliteType.Integer);
            var ordered = seqs.Order().ToArray();
            var start = 0;
            for (var i = 1; i <= ordered.Length; i++)
            {
                if (i == ordered.Length || ordered[i] != ordered[i - 1] + 1)
                {
                    first.Value = ordered[start];
                    last.Value = ordered[i - 1];
                    cmd.ExecuteNonQuery();
                    start = i;
                }
            }

            tx.Commit();
        }
    }

    public JournalStats GetStats()
    {
        lock (_readLock)
        {
            return QueryStats(_reader, _path);
        }
    }

    private static JournalStats QueryStats(SqliteConnection connection, string path)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = """
            SELECT (SELECT COALESCE(MAX(seq), 0) FROM journal),
                   (SELECT COUNT(*) FROM outbox WHERE state = 0),
                   (SELECT j.occurred_at FROM outbox o JOIN journal j ON j.seq = o.seq WHERE o.state = 0 ORDER BY o.seq LIMIT 1),
                   (SELECT COUNT(*) FROM outbox WHERE state = 2)
            """;
        using var reader = cmd.ExecuteReader();
        reader.Read();
        DateTimeOffset? oldest = reader.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2));
        var size = new[] { path, path + "-wal", path + "-shm" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
        return new JournalStats(reader.GetInt64(0), reader.GetInt64(1), oldest, size, reader.GetInt64(3));
    }

    public Task WaitForAppendAsync(CancellationToken cancellationToken) => _appended.WaitAsync(cancellationToken);

    /// <summary>Outbox statistics of a journal file, read without changing it (safe while the kiosk runs).</summary>
    public static JournalStats ReadStats(string databasePath)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        return QueryStats(connection, databasePath);
    }

    public void Dispose()
    {
        _insert.Dispose();
        _reader.Dispose();
        _writer.Dispose();
    }

    private static SqliteConnection Open(string path, string synchronous)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        Execute(connection, $"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous}; PRAGMA busy_timeout=10000;");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static (long Seq, string Hash) ReadTail(SqliteConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT seq, payload FROM journal ORDER BY seq DESC LIMIT 1";
        using var reader = cmd.ExecuteReader();
        return reader.Read()
            ? (reader.GetInt64(0), EventChain.Hash((byte[])reader[1]))
            : (0, EventChain.Genesis);
    }
}
