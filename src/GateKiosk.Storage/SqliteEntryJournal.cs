using System.Globalization;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Journaling;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Storage;

/// <summary>
/// The journal and outbox in one SQLite file (WAL). Appends commit with <c>synchronous=FULL</c>, so an
/// event that <see cref="Append"/> returned survives a power cut; the publisher's sent marks use a
/// second connection with <c>synchronous=NORMAL</c>, because a lost mark only means a resend that
/// central absorbs by <c>eventId</c>.
/// <para>
/// Neither the appending nor the publisher's connection checkpoints (<c>wal_autocheckpoint=0</c>): SQLite's automatic
/// checkpoint runs inside the commit that crosses its threshold, copying and fsyncing the database while holding the
/// write lock a scan waits for. A background
/// thread checkpoints instead, on a third connection (<c>synchronous=FULL</c>), after <see cref="CheckpointEvery"/>
/// commits, and only once no entry has been appended for <see cref="CheckpointIdleGap"/>: the checkpoint's copy and
/// fsync of the database then falls between scans instead of queueing in the disk in front of a scan's own commit.
/// Appends that never pause (a burst) are checkpointed anyway after <see cref="CheckpointForceAfter"/> commits.
/// Writes from the publisher's connection take the same in-process lock as appends, so an append waits for
/// a short commit instead of meeting SQLite's busy handler, which sleeps at least a millisecond; and they stand back
/// while a scan waits for it, so a publisher committing in a loop cannot win the lock again and again ahead of a scan.
/// </para>
/// <para>
/// The file is bounded (<see cref="JournalOptions.MaxSize"/>, enforced by SQLite's <c>max_page_count</c>, so it can never
/// outgrow it). <see cref="Prune"/> deletes acknowledged events only; unsent events are never dropped. The last few pages
/// are a reserve that only the journal's own <c>journal-full</c> and <c>journal-pressure</c> events may use, so the
/// moment the kiosk starts refusing entries is itself in the chain. Policy in <c>docs/journal.md</c>.
/// </para>
/// <para>
/// Sequence numbers are reserved in blocks of <see cref="SeqBlock"/> in a file beside the database
/// (<see cref="SeqReservation"/>). When the journal comes back without its newest events (damaged files salvaged by
/// <see cref="JournalRecovery"/>), it continues above the reservation instead of numbering new events again from the
/// last one kept, and its first event is a <c>journal-tail-lost</c> system event that declares the numbers in between
/// lost and chains to the last event kept.
/// </para>
/// </summary>
public sealed class SqliteEntryJournal : IEntryJournal, IJournalMaintenance, IPassUseLedger, IDisposable
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
        CREATE TABLE IF NOT EXISTS journal_state(
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TRIGGER IF NOT EXISTS journal_clears_salvaged AFTER INSERT ON journal
        BEGIN
            DELETE FROM journal_state WHERE key = 'salvaged';
        END;
        CREATE TABLE IF NOT EXISTS pass_use(
            pass_id    TEXT    PRIMARY KEY,
            expires_at INTEGER NOT NULL,
            used_at    INTEGER NOT NULL
        ) WITHOUT ROWID;
        """;

    /// <summary>
    /// The <c>journal_state</c> key a salvage sets, in the same transaction as the events it kept, to what it found. It
    /// stays until the next event is written (the trigger above removes it in that event's transaction), so a journal
    /// reopened before it could declare its lost seqs (power cut, full disk) still knows it was salvaged.
    /// </summary>
    internal const string SalvagedKey = "salvaged";

    /// <summary>
    /// States of a row of <c>outbox</c>, which holds only what is not yet acknowledged: waiting, or refused and
    /// set aside. Acknowledged events leave the outbox, so marking sent never rewrites an event's row.
    /// </summary>
    private const int Unsent = 0;
    private const int Aside = 2;

    /// <summary>SQLite's result code for "database or disk is full", which <c>max_page_count</c> raises at the bound.</summary>
    private const int SqliteFull = 13;

    /// <summary>Pressure pruning starts at this share of the bound and the alarm holds while pruning cannot get below it.</summary>
    internal const double AlarmLevel = 0.80;

    /// <summary>Pressure pruning stops at this share of the bound, so it does not run again on the next few appends.</summary>
    internal const double LowWaterLevel = 0.70;

    /// <summary>Rows per delete transaction while pruning: short enough that an append never waits long on the write lock.</summary>
    private const int MaxPruneBatch = 2000;

    /// <summary>
    /// Seqs reserved per write of the reservation file. The write (two fsyncs, a few ms on an SD card) falls on one append
    /// in this many, so the scan-to-relay p99 does not see it; a journal that loses its tail declares at most this many
    /// numbers lost that were never used. A round number, so the declared ranges read easily (1001–2000).
    /// </summary>
    internal const long SeqBlock = 1000;

    /// <summary>
    /// How long a used single-use pass is remembered after it expires. The verifier denies an expired pass anyway; the
    /// margin covers its clock leeway and a kiosk clock that jumps back (the Pi has no real-time clock).
    /// </summary>
    internal static readonly TimeSpan PassUseRetention = TimeSpan.FromDays(1);

    /// <summary>
    /// Commits between background checkpoints: about 3 WAL pages each, so the WAL stays under 1 MB (SQLite's own default
    /// is 1000 pages), and a checkpoint is short enough to fit between two scans.
    /// </summary>
    internal const int CheckpointEvery = 64;

    /// <summary>
    /// Commits after which a checkpoint runs even though appends have not paused: a WAL of about 6 MB, which a stream of
    /// appends without a pause (an import, a benchmark) would otherwise grow without bound.
    /// </summary>
    internal const int CheckpointForceAfter = 8 * CheckpointEvery;

    /// <summary>
    /// How long appends must have paused before a due checkpoint starts. A gate sees a scan every second or so at most,
    /// so there is nearly always such a pause; a checkpoint of <see cref="CheckpointEvery"/> commits takes about a
    /// millisecond on an SSD.
    /// </summary>
    internal static readonly TimeSpan CheckpointIdleGap = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// WAL frames above which the checkpoint finishes the frames written during it under the write lock, so the WAL
    /// starts again from the beginning. Below it, what a checkpoint leaves is copied by the next one, off the lock.
    /// </summary>
    internal const long WalFramesToComplete = 4096;

    /// <summary>Detail code of the system event that declares the seqs a damaged journal lost.</summary>
    public const string TailLost = "journal-tail-lost";

    private readonly string _path;
    private readonly string _siteId;
    private readonly string _kioskId;
    private readonly AppendSignal _appended = new();
    private readonly Lock _writeLock = new();
    private readonly Lock _readLock = new();
    private readonly SqliteConnection _writer;
    private readonly SqliteConnection _reader;
    private readonly SqliteConnection _checkpointer;
    private readonly SemaphoreSlim _checkpointDue = new(0);
    private readonly AppendSignal _checkpointed = new();
    private readonly Thread _checkpointThread;
    private volatile bool _stopping;
    private readonly CancellationTokenSource _stop = new();
    private int _writesSinceCheckpoint;
    private int _scansWaiting;
    private long _lastAppendAt;
    private volatile TaskCompletionSource _forced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _usePass;
    private readonly SqliteCommand _passUsed;
    private readonly SqliteCommand _usedPages;
    private readonly JournalOptions _options;
    private readonly TimeProvider _time;
    private readonly ITimeSourceProbe? _timeSource;
    private readonly long _pageSize;
    private readonly long _maxPages;
    private readonly long _reservePages;
    private readonly SeqReservation _reservation;
    private (LostSeqRange Range, string Why)? _pendingTailLost;
    private long _lastSeq;
    private string _lastHash;
    private volatile bool _alarm;
    private volatile bool _full;

    /// <summary>A journal with the default bound (<see cref="JournalOptions"/>) and the system clock.</summary>
    public SqliteEntryJournal(string databasePath, string siteId, string kioskId)
        : this(databasePath, siteId, kioskId, new JournalOptions(), TimeProvider.System)
    {
    }

    /// <summary>A journal bounded by <paramref name="options"/>; <paramref name="time"/> and <paramref name="timeSource"/> stamp its own system events and date the retention.</summary>
    public SqliteEntryJournal(string databasePath, string siteId, string kioskId, JournalOptions options, TimeProvider time, ITimeSourceProbe? timeSource = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _path = Path.GetFullPath(databasePath);
        _siteId = siteId;
        _kioskId = kioskId;
        _options = options;
        _time = time;
        _timeSource = timeSource;
        PrivateFiles.CreateFolder(Path.GetDirectoryName(_path)!);
        var report = JournalRecovery.Check(_path);
        PrivateFiles.PrepareDatabase(_path);
        _reservation = new SeqReservation(Path.ChangeExtension(_path, ".seq"), SeqBlock);

        _writer = Open(_path, "FULL");
        Execute(_writer, Schema);
        Execute(_writer, "PRAGMA wal_autocheckpoint=0;");
        _reader = Open(_path, "NORMAL");
        Execute(_reader, "PRAGMA wal_autocheckpoint=0;");
        _checkpointer = Open(_path, "FULL");

        // max_page_count is per connection and never below the pages already used (a lowered bound takes effect as
        // pruning frees pages), so read back what SQLite applied and set the same on both connections.
        _pageSize = Scalar(_writer, "PRAGMA page_size");
        _maxPages = Scalar(_writer, $"PRAGMA max_page_count = {Math.Max(1, options.MaxSize / _pageSize)}");
        Scalar(_reader, $"PRAGMA max_page_count = {_maxPages}");
        _reservePages = Math.Max(8, _maxPages / 50);
        _usedPages = _writer.CreateCommand();
        _usedPages.CommandText = UsedPagesSql;
        _usedPages.Prepare();

        (_lastSeq, _lastHash) = ReadTail(_writer);
        _insert = _writer.CreateCommand();
        _insert.CommandText = "INSERT INTO journal(seq, event_id, occurred_at, payload) VALUES ($seq, $id, $at, $payload)";
        _insert.Parameters.Add("$seq", SqliteType.Integer);
        _insert.Parameters.Add("$id", SqliteType.Text);
        _insert.Parameters.Add("$at", SqliteType.Integer);
        _insert.Parameters.Add("$payload", SqliteType.Blob);
        _insert.Prepare();
        _usePass = _writer.CreateCommand();
        _usePass.CommandText = "INSERT INTO pass_use(pass_id, expires_at, used_at) VALUES ($id, $expires, $at) ON CONFLICT(pass_id) DO NOTHING";
        _usePass.Parameters.Add("$id", SqliteType.Text);
        _usePass.Parameters.Add("$expires", SqliteType.Integer);
        _usePass.Parameters.Add("$at", SqliteType.Integer);
        _usePass.Prepare();
        _passUsed = _writer.CreateCommand();
        _passUsed.CommandText = "SELECT EXISTS(SELECT 1 FROM pass_use WHERE pass_id = $id)";
        _passUsed.Parameters.Add("$id", SqliteType.Text);
        _passUsed.Prepare();

        if (!report.Salvaged && ReadSalvaged(_writer) is { } salvaged)
        {
            report = report with { Salvaged = true, Detail = salvaged };
        }

        if (_reservation.Problem is { } problem)
        {
            report = report with { SeqFileProblem = problem };
        }

        var lost = FindLostTail(report.Salvaged, _lastSeq, _reservation.ReservedThrough);
        OpenReport = lost is null
            ? report
            : report with { LostSeqs = lost, Detail = $"{report.Detail}; seq {lost.From}–{lost.To} cannot be sent (lost, or never used): the journal continues at seq {lost.To + 1}" };
        if (lost is not null)
        {
            // The chain continues from the last event kept (_lastHash); the numbers in between are never used again.
            _pendingTailLost = (lost, report.Salvaged
                ? $"the journal was damaged and rebuilt from the events that could be read ({report.Detail})"
                : "the journal was found without events it had numbered");
            _lastSeq = lost.To;
            lock (_writeLock)
            {
                try
                {
                    WritePendingTailLostLocked();
                }
                catch (IOException)
                {
                    // A full disk: the declaration stays pending and goes in before the next event that can be written.
                }
            }
        }

        _checkpointThread = new Thread(CheckpointLoop) { IsBackground = true, Name = "journal-checkpoint" };
        _checkpointThread.Start();
    }

    /// <summary>What a salvage found, while the journal has not written an event since; null otherwise.</summary>
    private static string? ReadSalvaged(SqliteConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT value FROM journal_state WHERE key = '{SalvagedKey}'";
        return cmd.ExecuteScalar() as string;
    }

    /// <summary>
    /// The seqs a journal opened without: everything above its last event up to the reservation, when it was salvaged
    /// (its tail may be gone), when it is empty although numbers were handed out (the database was removed), or when it
    /// ends more than a block below the reservation (a block is reserved only as its first number is used, so an intact
    /// journal is never that far behind). Null when nothing can be missing, or when there is no reservation to go by.
    /// </summary>
    private static LostSeqRange? FindLostTail(bool salvaged, long lastSeq, long reservedThrough) =>
        reservedThrough > lastSeq && (salvaged || lastSeq == 0 || lastSeq < reservedThrough - SeqBlock)
            ? new LostSeqRange(lastSeq + 1, reservedThrough)
            : null;

    /// <summary>The journal file.</summary>
    public string DatabasePath => _path;

    /// <summary>
    /// What opening found: intact, new, or damaged and salvaged (the kiosk journals a system event for that), and the seqs
    /// declared lost by a <c>journal-tail-lost</c> event, if any.
    /// </summary>
    public JournalOpenReport OpenReport { get; }

    /// <summary>Every seq up to this one may have been handed out (the reservation file).</summary>
    internal long ReservedThroughSeq => _reservation.ReservedThrough;

    public JournaledEvent Append(EventDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        try
        {
            using (EnterWriteForScan())
            {
                EnsureRoomLocked();
                if (draft.UsesPass is null)
                {
                    return AppendLocked(draft);
                }

                // The pass is used up in the entry's own commit: both are durable, or neither is.
                return InTransactionLocked(draft, static (journal, d) => journal.AppendUsingPassLocked(d));
            }
        }
        finally
        {
            Volatile.Write(ref _lastAppendAt, _time.GetTimestamp());
        }
    }

    /// <summary>True when <paramref name="passId"/> was used up by a journaled entry (and not yet forgotten after its expiry).</summary>
    public bool IsUsed(string passId)
    {
        ArgumentNullException.ThrowIfNull(passId);
        using (EnterWriteForScan())
        {
            _passUsed.Parameters[0].Value = passId;
            return (long)_passUsed.ExecuteScalar()! != 0;
        }
    }

    /// <summary>Inside a transaction: uses up the draft's pass and appends it, or appends it as a deny when the pass was already used.</summary>
    private JournaledEvent AppendUsingPassLocked(EventDraft draft)
    {
        if (draft.UsesPass is not { } pass)
        {
            return AppendLocked(draft);
        }

        _usePass.Parameters[0].Value = pass.PassId;
        _usePass.Parameters[1].Value = pass.Expires.ToUnixTimeMilliseconds();
        _usePass.Parameters[2].Value = draft.OccurredAt.ToUnixTimeMilliseconds();
        if (_usePass.ExecuteNonQuery() == 1)
        {
            return AppendLocked(draft);
        }

        var refused = AppendLocked(draft with { Decision = Decisions.Deny, Reason = ReasonCodes.AlreadyUsed, UsesPass = null });
        return refused with { PassAlreadyUsed = true };
    }

    /// <summary>Appends several events in one durable commit (a burst, an import): all of them or none.</summary>
    public IReadOnlyList<JournaledEvent> AppendRange(IReadOnlyList<EventDraft> drafts)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        try
        {
            using (EnterWriteForScan())
            {
                EnsureRoomLocked();
                return InTransactionLocked(drafts, static (journal, ds) => (IReadOnlyList<JournaledEvent>)ds.Select(journal.AppendUsingPassLocked).ToList());
            }
        }
        finally
        {
            Volatile.Write(ref _lastAppendAt, _time.GetTimestamp());
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> in one durable commit. When it fails, the in-memory chain head (last seq, last hash,
    /// pending tail-lost declaration) goes back to where it was, since nothing of it was written.
    /// </summary>
    private T InTransactionLocked<TState, T>(TState state, Func<SqliteEntryJournal, TState, T> body)
    {
        var (seq, hash, pending) = (_lastSeq, _lastHash, _pendingTailLost);
        using var tx = _writer.BeginTransaction();
        _insert.Transaction = _usePass.Transaction = tx;
        try
        {
            var result = body(this, state);
            tx.Commit();
            CountWrite();
            return result;
        }
        catch
        {
            (_lastSeq, _lastHash, _pendingTailLost) = (seq, hash, pending);
            throw;
        }
        finally
        {
            _insert.Transaction = _usePass.Transaction = null;
        }
    }

    private JournaledEvent AppendLocked(EventDraft draft)
    {
        WritePendingTailLostLocked();
        return InsertLocked(draft);
    }

    /// <summary>Writes the <c>journal-tail-lost</c> declaration if it is still pending: it always precedes the next event.</summary>
    private void WritePendingTailLostLocked()
    {
        if (_pendingTailLost is not { } pending)
        {
            return;
        }

        var (lost, why) = pending;
        InsertLocked(new EventDraft
        {
            Type = EventTypes.System,
            OccurredAt = _time.GetUtcNow(),
            TimeSource = _timeSource?.Current ?? TimeSources.None,
            Detail = $"{TailLost}: {why}; seq {lost.From}–{lost.To} cannot be sent (lost, or never used); this event follows seq {lost.From - 1}",
            LostSeqs = lost,
        });
        _pendingTailLost = null;
    }

    private JournaledEvent InsertLocked(EventDraft draft)
    {
        var seq = _lastSeq + 1;
        _reservation.Cover(seq); // once per SeqBlock appends: the number is reserved durably before it can be used
        var eventId = Guid.CreateVersion7(draft.OccurredAt);
        var entry = EventChain.Seal(draft, _siteId, _kioskId, seq, _lastHash, eventId);
        var payload = EventChain.Serialize(entry);

        _insert.Parameters[0].Value = seq;
        _insert.Parameters[1].Value = eventId.ToString();
        _insert.Parameters[2].Value = entry.OccurredAt.ToUnixTimeMilliseconds();
        _insert.Parameters[3].Value = payload;
        try
        {
            _insert.ExecuteNonQuery(); // outside AppendRange this is its own fsync'd WAL commit
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteFull)
        {
            throw new IOException($"journal full: the journal reached Journal:MaxSize ({_maxPages * _pageSize} bytes) or the disk is full; event not recorded", ex);
        }

        _lastSeq = seq;
        _lastHash = EventChain.Hash(payload);
        _appended.Set();
        if (_insert.Transaction is null)
        {
            CountWrite(); // its own commit; a transaction counts once, when it commits
        }
        return new JournaledEvent(seq, eventId, payload);
    }

    /// <summary>
    /// Refuses an event from outside when only the reserve is left. The first refusal journals <c>journal-full</c> into the
    /// reserve, so the chain says from when entries were refused; later refusals only throw, until pruning makes room.
    /// </summary>
    private void EnsureRoomLocked()
    {
        var used = (long)_usedPages.ExecuteScalar()!;
        if (used < _maxPages - _reservePages)
        {
            _full = false;
            return;
        }

        if (!_full)
        {
            _full = true;
            var stats = QueryStats(_writer, _path);
            TryAppendSystemLocked($"journal-full: {Percent(used)} % of Journal:MaxSize used, {stats.Unsent + stats.SetAside} unsent events kept{Oldest(stats)}; entries are refused until events are sent and pruned");
        }

        throw new IOException($"journal full: {used * _pageSize} of {_maxPages * _pageSize} bytes used and nothing acknowledged left to prune; event not recorded");
    }

    /// <summary>Appends one of the journal's own system events, which may use the reserve; false when even that failed.</summary>
    private JournaledEvent? TryAppendSystemLocked(string detail)
    {
        try
        {
            return AppendLocked(new EventDraft
            {
                Type = EventTypes.System,
                OccurredAt = _time.GetUtcNow(),
                TimeSource = _timeSource?.Current ?? TimeSources.None,
                Detail = detail,
            });
        }
        catch (IOException)
        {
            // The disk itself is full: the refusal that follows is the signal, and the log says why.
            return null;
        }
    }

    public JournalPruneResult Prune()
    {
        var before = GetUsage();
        var cutoff = (_time.GetUtcNow() - _options.SentRetention).ToUnixTimeMilliseconds();
        long expired = 0;
        long pressured = 0;
        long used;
        lock (_readLock)
        {
            long deleted;
            do
            {
                deleted = DeleteAcknowledged(cutoff, MaxPruneBatch);
                expired += deleted;
            }
            while (deleted == MaxPruneBatch);

            ForgetExpiredPasses();

            used = UsedPages(_reader);
            if (used >= AlarmPages)
            {
                var lowWater = (long)(_maxPages * LowWaterLevel);
                var rowsPerPage = Math.Max(1.0, (double)Scalar(_reader, "SELECT COUNT(*) FROM journal") / Math.Max(1, used));
                while (used > lowWater)
                {
                    var batch = (int)Math.Clamp((used - lowWater) * rowsPerPage / 2, 1, MaxPruneBatch);
                    deleted = DeleteAcknowledged(long.MaxValue, batch);
                    if (deleted == 0)
                    {
                        break;
                    }

                    pressured += deleted;
                    used = UsedPages(_reader);
                }
            }
        }

        long? pressureSeq = null;
        var alarm = used >= AlarmPages;
        if (alarm && !_alarm)
        {
            var stats = GetStats();
            lock (_writeLock)
            {
                pressureSeq = TryAppendSystemLocked($"journal-pressure: {Percent(used)} % of Journal:MaxSize used after pruning every acknowledged event, {stats.Unsent + stats.SetAside} unsent events kept{Oldest(stats)}")?.Seq;
            }

            alarm = pressureSeq is not null;
        }

        _alarm = alarm;
        return new JournalPruneResult(expired, pressured, before, GetUsage(), pressureSeq);
    }

    public JournalUsage GetUsage()
    {
        long used;
        lock (_readLock)
        {
            used = UsedPages(_reader);
        }

        var pressure = used >= _maxPages - _reservePages ? JournalPressure.Full : _alarm ? JournalPressure.Alarm : JournalPressure.Normal;
        return new JournalUsage(used * _pageSize, _maxPages * _pageSize, pressure);
    }

    private long AlarmPages => (long)Math.Ceiling(_maxPages * AlarmLevel);

    /// <summary>
    /// Deletes up to <paramref name="max"/> of the oldest acknowledged events (not in the outbox) that occurred before
    /// <paramref name="cutoffMs"/>, in one transaction. The newest event always stays: the chain continues from it on reopen.
    /// </summary>
    /// <remarks>
    /// Runs on the publisher's connection (<c>synchronous=NORMAL</c>): a prune lost to a power cut only brings back
    /// acknowledged events that the next prune deletes again.
    /// </remarks>
    private long DeleteAcknowledged(long cutoffMs, int max)
    {
        using var write = EnterWriteBehindScans();
        using var tx = _reader.BeginTransaction();
        using var cmd = _reader.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            DELETE FROM journal WHERE seq IN (
                SELECT j.seq FROM journal j
                WHERE j.seq < (SELECT MAX(seq) FROM journal)
                  AND j.occurred_at < $cutoff
                  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.seq = j.seq)
                ORDER BY j.seq LIMIT $max)
            """;
        cmd.Parameters.AddWithValue("$cutoff", cutoffMs);
        cmd.Parameters.AddWithValue("$max", max);
        var deleted = cmd.ExecuteNonQuery();
        tx.Commit();
        return deleted;
    }

    /// <summary>Forgets used single-use passes a day past their expiry, so the ledger does not grow.</summary>
    private void ForgetExpiredPasses()
    {
        using var write = EnterWriteBehindScans();
        using var cmd = _reader.CreateCommand();
        cmd.CommandText = "DELETE FROM pass_use WHERE expires_at < $cutoff";
        cmd.Parameters.AddWithValue("$cutoff", (_time.GetUtcNow() - PassUseRetention).ToUnixTimeMilliseconds());
        cmd.ExecuteNonQuery();
    }

    private const string UsedPagesSql = "SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count())";

    private static long UsedPages(SqliteConnection connection) => Scalar(connection, UsedPagesSql);

    private long Percent(long usedPages) => usedPages * 100 / _maxPages;

    private static string Oldest(JournalStats stats) =>
        stats.OldestUnsentAt is { } at ? ", oldest unsent from " + at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "";

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
            using var write = EnterWriteBehindScans();
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
            using var write = EnterWriteBehindScans();
            using var cmd = _reader.CreateCommand();
            cmd.CommandText = $"UPDATE outbox SET state = {Unsent} WHERE state = {Aside}";
            var count = cmd.ExecuteNonQuery();
            _appended.Set();
            return count;
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
            using var write = EnterWriteBehindScans();
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
            CountWrite();
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

    /// <summary>Takes the write lock for the scan path (an append, a pass check), telling the publisher's side to stand back.</summary>
    private Lock.Scope EnterWriteForScan()
    {
        Interlocked.Increment(ref _scansWaiting);
        try
        {
            return _writeLock.EnterScope();
        }
        finally
        {
            Interlocked.Decrement(ref _scansWaiting);
        }
    }

    /// <summary>
    /// Takes the write lock for the publisher's side (marking sent, requeueing, pruning, a finishing checkpoint) only
    /// once no scan waits for it. The lock is not fair: a publisher taking it in a loop (a resend of thousands of rows in
    /// chunks, a drain marking batch after batch) would otherwise win it again and again while a scan waits, and a
    /// scan's wait is at most the one short publisher transaction it arrives during.
    /// </summary>
    private Lock.Scope EnterWriteBehindScans()
    {
        var spin = default(SpinWait);
        while (Volatile.Read(ref _scansWaiting) > 0)
        {
            spin.SpinOnce();
        }

        return _writeLock.EnterScope();
    }

    /// <summary>
    /// Counts a commit (a few WAL pages, more for a range): the <see cref="CheckpointEvery"/>th wakes the checkpoint
    /// thread, and the <see cref="CheckpointForceAfter"/>th tells it not to wait for appends to pause any longer.
    /// </summary>
    private void CountWrite()
    {
        var writes = Interlocked.Increment(ref _writesSinceCheckpoint);
        if (writes == CheckpointEvery)
        {
            _checkpointDue.Release();
        }
        else if (writes == CheckpointForceAfter)
        {
            _forced.TrySetResult(); // appends have not paused for a while: checkpoint without waiting
        }
    }

    private void CheckpointLoop()
    {
        while (true)
        {
            _checkpointDue.Wait();
            if (_stopping || !WaitForAppendPause())
            {
                return;
            }

            Interlocked.Exchange(ref _writesSinceCheckpoint, 0);
            if (_forced.Task.IsCompleted)
            {
                _forced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            try
            {
                Checkpoint();
            }
            catch (SqliteException)
            {
                // A failed checkpoint (full disk, I/O error) leaves the WAL to the next one; appends are not affected.
            }

            _checkpointed.Set();
        }
    }

    /// <summary>
    /// Waits until no entry has been appended for <see cref="CheckpointIdleGap"/>, or until
    /// <see cref="CheckpointForceAfter"/> commits wait for a checkpoint; false when the journal is being disposed.
    /// </summary>
    private bool WaitForAppendPause()
    {
        while (!_stopping)
        {
            var paused = _time.GetElapsedTime(Volatile.Read(ref _lastAppendAt));
            if (paused >= CheckpointIdleGap || Volatile.Read(ref _writesSinceCheckpoint) >= CheckpointForceAfter)
            {
                return true;
            }

            var pause = Task.Delay(CheckpointIdleGap - paused, _time, _stop.Token);
            WaitingForPause?.Invoke();
            Task.WaitAny(pause, _forced.Task); // a delay cancelled by Dispose ends the wait too
        }

        return false;
    }

    /// <summary>Raised on the checkpoint thread each time a due checkpoint waits for appends to pause (tests).</summary>
    internal event Action? WaitingForPause;

    /// <summary>
    /// Copies the WAL into the database without holding up appends (PASSIVE). When the WAL has grown past
    /// <see cref="WalFramesToComplete"/> frames, it also finishes the few frames written meanwhile under the write lock,
    /// so the next append starts the WAL again from the beginning: under a steady stream of writes a PASSIVE checkpoint
    /// alone never catches up, and the WAL would grow. Below that, the next checkpoint copies what this one left.
    /// </summary>
    internal (long Frames, long Checkpointed) Checkpoint()
    {
        var (frames, done) = CheckpointPassive();
        if (done < frames && frames >= WalFramesToComplete)
        {
            lock (_readLock)
            {
                using var write = EnterWriteBehindScans();
                (frames, done) = CheckpointPassive();
            }
        }

        return (frames, done);
    }

    private (long Frames, long Checkpointed) CheckpointPassive()
    {
        using var cmd = _checkpointer.CreateCommand();
        cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        using var reader = cmd.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>Completes when the background checkpoint has run after the call.</summary>
    internal Task WaitForCheckpointAsync(CancellationToken cancellationToken) => _checkpointed.WaitAsync(cancellationToken);

    /// <summary>Every connection of this journal that writes to the file, by role: what durability it commits with is pinned by tests.</summary>
    internal IReadOnlyList<(string Role, SqliteConnection Connection)> WritingConnections =>
        [("append", _writer), ("outbox", _reader), ("checkpoint", _checkpointer)];

    private int _disposed;

    public void Dispose()
    {
        // The host disposes the journal once for each service it is registered as (journal, maintenance, pass ledger).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stopping = true;
        _stop.Cancel();
        _checkpointDue.Release();
        _checkpointThread.Join();
        _checkpointDue.Dispose();
        _stop.Dispose();
        _checkpointer.Dispose();
        _insert.Dispose();
        _usePass.Dispose();
        _passUsed.Dispose();
        _usedPages.Dispose();
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
        // journal_size_limit: after a checkpoint the WAL is cut back to 16 MB, so a burst (or a long read that held
        // checkpoints back) does not leave a large -wal file beside a journal that is bounded by Journal:MaxSize.
        Execute(connection, $"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous}; PRAGMA busy_timeout=10000; PRAGMA journal_size_limit=16777216;");
        return connection;
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return (long)cmd.ExecuteScalar()!;
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
