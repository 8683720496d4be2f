using System.Text;
using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using Npgsql;
using NpgsqlTypes;

namespace GateKiosk.Central.Storage.Postgres;

/// <summary>How a batch reaches the staging table before it is merged into <c>events</c>.</summary>
internal enum PostgresIngestMode
{
    /// <summary>Binary <c>COPY … FROM STDIN</c>: one round trip, no SQL parsing per row.</summary>
    Copy,

    /// <summary>Multi-row <c>INSERT … VALUES</c> statements (the peer <see cref="Copy"/> is measured against).</summary>
    Insert,
}

/// <summary>
/// Central's event store in PostgreSQL, for a province: the same behaviour as the SQLite store, written for several
/// collectors at once. A batch goes into a session-local staging table (binary COPY), then into <c>events</c> with
/// <c>ON CONFLICT (event_id) DO NOTHING</c>, so a resend changes nothing; the same <c>eventId</c> with other bytes is a
/// chain break and is not stored. Chain checks and the per-kiosk summaries run in the batch's transaction after it
/// has locked its kiosks' summary rows, so batches of one kiosk arriving through two collectors are checked one after
/// the other. Reads use pooled connections of their own and never wait on the writer.
/// </summary>
public sealed partial class PostgresEventStore : ICentralStore
{
    private const string StagingColumns = "ord, event_id, site_id, kiosk_id, seq, occurred_at, type, decision, reason, subject, payload, hash, prev_hash, lost_from, direction, credential_kind, time_source";

    /// <summary>Columns of <see cref="StagingColumns"/>: parameters per row of a multi-row INSERT.</summary>
    private const int StagingColumnCount = 17;

    /// <summary>Rows per multi-row INSERT in <see cref="PostgresIngestMode.Insert"/> (17 parameters each, under the protocol's 65,535).</summary>
    private const int InsertChunk = 1000;

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private readonly Lock _writeLock = new();
    private readonly PostgresGroupCommit _groupCommit;
    private readonly ChangeStampedCache<IReadOnlyList<KioskSummary>> _kiosks;
    private NpgsqlConnection? _writer;

    /// <summary>Opens the store at <paramref name="connectionString"/> and brings its schema to the newest version.</summary>
    public PostgresEventStore(string connectionString, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        _time = time;
        _dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            using var connection = _dataSource.OpenConnection();
            PostgresMigrator.Migrate(connection, time);
            _groupCommit = new PostgresGroupCommit(StoreOutcomes);
            _kiosks = new ChangeStampedCache<IReadOnlyList<KioskSummary>>(CurrentSnapshot, ReadKiosks);
        }
        catch
        {
            _dataSource.Dispose();
            throw;
        }
    }

    /// <summary>How batches reach the staging table (COPY by default; the benchmark compares both).</summary>
    internal PostgresIngestMode IngestMode { get; init; } = PostgresIngestMode.Copy;

    /// <summary>The quarantine's row cap (<see cref="StoreLimits.QuarantineMaxRows"/>; smaller in tests).</summary>
    internal int QuarantineRows { get; init; } = StoreLimits.QuarantineMaxRows;

    /// <summary>The quarantine's byte cap (<see cref="StoreLimits.QuarantineMaxBytes"/>; smaller in tests).</summary>
    internal long QuarantineBytes { get; init; } = StoreLimits.QuarantineMaxBytes;

    // The ports. Npgsql's calls below are synchronous for now: each completes before its task is returned, so a task
    // that completes means committed, as the ports require.

    /// <summary>
    /// Stores a message's events together with the other messages queued meanwhile, in one transaction (see
    /// <see cref="PostgresGroupCommit"/>); the task completes after that commit.
    /// </summary>
    public Task<StoreResult> StoreAsync(IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        return _groupCommit.StoreAsync([.. events.Select(e => (e.Entry, (ReadOnlyMemory<byte>)e.Payload.ToArray()))]);
    }

    public Task SetStatusAsync(KioskStatus status, CancellationToken cancellationToken = default)
    {
        SetStatus(status);
        return Task.CompletedTask;
    }

    public Task QuarantineAsync(RejectedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        Quarantine(message.Topic, message.SiteId, message.KioskId, message.Reason, message.Prefix.Span, message.Size, message.Sha256);
        return Task.CompletedTask;
    }

    public Task MarkUnrecoverableAsync(string site, string kiosk, SeqRange range, CancellationToken cancellationToken = default)
    {
        MarkUnrecoverable(site, kiosk, range);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<QuarantinedMessage>> GetQuarantineAsync(int max = 100, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetQuarantine(max));

    public Task<long> GetRejectedTotalAsync(CancellationToken cancellationToken = default) => Task.FromResult(GetRejectedTotal());

    public Task<EventPage> GetEventsAsync(EventQuery query, CancellationToken cancellationToken = default) => Task.FromResult(GetEvents(query));

    public Task<IReadOnlyList<KioskSummary>> GetKiosksAsync(CancellationToken cancellationToken = default) => Task.FromResult(GetKiosks());

    public Task<KioskLatest?> GetLatestAsync(string site, string kiosk, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetLatest(site, kiosk) is { } latest ? new KioskLatest(latest.Seq, latest.ReceivedAt) : null);

    public Task<IReadOnlyList<SeqRange>> GetGapsAsync(string site, string kiosk, int max = 100, long afterSeq = 0, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetGaps(site, kiosk, max, afterSeq));

    public Task<IReadOnlyList<ChainBreak>> GetChainBreaksAsync(string site, string kiosk, int max = int.MaxValue, long afterSeq = 0, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetChainBreaks(site, kiosk, max, afterSeq));

    public Task<IReadOnlyList<SeqRange>> GetDeclaredLostAsync(string site, string kiosk, int max = 100, long afterSeq = 0, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetDeclaredLost(site, kiosk, max, afterSeq));

    public Task<IReadOnlyList<SeqRange>> GetUnrecoverableAsync(string site, string kiosk, int max = 100, long afterSeq = 0, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetUnrecoverable(site, kiosk, max, afterSeq));

    /// <summary>Stores events whose payload is the UTF-8 of a string; returns how many were new.</summary>
    public int AddRange(IReadOnlyList<(EntryEvent Entry, string Payload)> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return Store([.. events.Select(e => (e.Entry, (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(e.Payload)))]).Added;
    }

    /// <summary>
    /// Stores events with their exact payload bytes in one transaction; returns only after the commit. An <c>eventId</c>
    /// already stored with the same bytes is a duplicate; with other bytes it is a conflict, recorded as a chain break.
    /// </summary>
    public StoreResult Store(IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return PostgresGroupCommit.Result(StoreOutcomes(events), 0, events.Count);
    }

    /// <summary>Stores <paramref name="events"/> in one transaction; returns what became of each, in order.</summary>
    private StoreOutcome[] StoreOutcomes(IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> events)
    {
        if (events.Count == 0)
        {
            return [];
        }

        var hashes = new string[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            hashes[i] = EventChain.Hash(events[i].Payload.Span);
        }

        var now = _time.GetUtcNow();
        lock (_writeLock)
        {
            var connection = Writer();
            try
            {
                return StoreBatch(connection, events, hashes, now);
            }
            catch
            {
                // A broken session (server restart, network) is not reused: the next batch opens a new one.
                if (connection.FullState != System.Data.ConnectionState.Open)
                {
                    _writer = null;
                    connection.Dispose();
                }

                throw;
            }
        }
    }

    private StoreOutcome[] StoreBatch(NpgsqlConnection connection, IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> events, string[] hashes, DateTimeOffset now)
    {
        using var tx = connection.BeginTransaction();
        if (IngestMode == PostgresIngestMode.Copy)
        {
            CopyToStaging(connection, events, hashes);
        }
        else
        {
            InsertToStaging(connection, tx, events, hashes);
        }

        // Lock the batch's kiosks in one order, so two collectors never wait on each other in a circle.
        Execute(connection, tx, """
            INSERT INTO kiosk_summaries(site_id, kiosk_id)
            SELECT DISTINCT site_id, kiosk_id FROM staging_events ORDER BY 1, 2
            ON CONFLICT DO NOTHING;
            SELECT 1 FROM kiosk_summaries k
            WHERE (k.site_id, k.kiosk_id) IN (SELECT site_id, kiosk_id FROM staging_events)
            ORDER BY k.site_id, k.kiosk_id FOR UPDATE;
            """);

        var added = new HashSet<Guid>();
        using (var insert = new NpgsqlCommand("""
            WITH ins AS (
                INSERT INTO events(event_id, site_id, kiosk_id, seq, occurred_at, received_at, type, decision, reason, subject, payload, hash, prev_hash, lost_from, direction, credential_kind, time_source)
                SELECT event_id, site_id, kiosk_id, seq, occurred_at, @now, type, decision, reason, subject, payload, hash, prev_hash, lost_from, direction, credential_kind, time_source
                FROM staging_events ORDER BY ord
                ON CONFLICT (event_id) DO NOTHING
                RETURNING id, event_id, site_id, kiosk_id, seq, occurred_at, hash, prev_hash, lost_from)
            INSERT INTO staging_added SELECT * FROM ins RETURNING event_id
            """, connection, tx))
        {
            insert.Parameters.AddWithValue("now", now);
            using var reader = insert.ExecuteReader();
            while (reader.Read())
            {
                added.Add(reader.GetGuid(0));
            }
        }

        // The first row of each eventId that went in is added; every other row is a resend or a conflict. The stored
        // hash is the SHA-256 of the stored bytes, so equal hashes mean equal bytes.
        var stored = StoredHashes(connection, tx, events, added);
        var seen = new HashSet<Guid>();
        var outcomes = new StoreOutcome[events.Count];
        var conflicts = new List<int>();
        for (var i = 0; i < events.Count; i++)
        {
            var id = events[i].Entry.EventId;
            if (added.Contains(id) && seen.Add(id))
            {
                outcomes[i] = StoreOutcome.Added;
            }
            else if (stored.TryGetValue(id, out var hash) && hash == hashes[i])
            {
                outcomes[i] = StoreOutcome.Duplicate;
            }
            else
            {
                outcomes[i] = StoreOutcome.Conflict;
                conflicts.Add(i);
            }
        }

        using (var upkeep = new NpgsqlCommand(ChainAndSummarySql, connection, tx))
        {
            upkeep.Parameters.AddWithValue("now", now);
            upkeep.Parameters.AddWithValue("genesis", EventChain.Genesis);
            upkeep.Parameters.AddWithValue("csite", conflicts.Select(i => events[i].Entry.SiteId).ToArray());
            upkeep.Parameters.AddWithValue("ckiosk", conflicts.Select(i => events[i].Entry.KioskId).ToArray());
            upkeep.Parameters.AddWithValue("cseq", conflicts.Select(i => events[i].Entry.Seq).ToArray());
            upkeep.ExecuteNonQuery();
        }

        tx.Commit();
        return outcomes;
    }

    /// <summary>
    /// After a batch went into <c>events</c> (its new rows in <c>staging_added</c>): records the chain breaks the new
    /// events reveal, then adds the batch to its kiosks' summaries. A new event is checked against its predecessor
    /// (the event before it, or before the range it declares lost), its successor, events that declare a loss starting
    /// just above it, and other events with its seq. <c>distinct_seqs</c> grows only for seqs no older event holds.
    /// </summary>
    private const string ChainAndSummarySql = """
        WITH checks AS (
            SELECT a.site_id, a.kiosk_id, a.seq, 'prev-hash-mismatch' AS kind
            FROM staging_added a WHERE COALESCE(a.lost_from, a.seq) = 1 AND a.prev_hash <> @genesis
            UNION ALL
            SELECT a.site_id, a.kiosk_id, a.seq, 'prev-hash-mismatch'
            FROM staging_added a
            CROSS JOIN LATERAL (
                SELECT p.hash FROM events p
                WHERE p.site_id = a.site_id AND p.kiosk_id = a.kiosk_id AND p.seq = COALESCE(a.lost_from, a.seq) - 1
                ORDER BY p.id LIMIT 1) p
            WHERE p.hash <> a.prev_hash
            UNION ALL
            SELECT a.site_id, a.kiosk_id, a.seq + 1, 'prev-hash-mismatch'
            FROM staging_added a
            CROSS JOIN LATERAL (
                SELECT s.prev_hash FROM events s
                WHERE s.site_id = a.site_id AND s.kiosk_id = a.kiosk_id AND s.seq = a.seq + 1 AND s.lost_from IS NULL
                ORDER BY s.id LIMIT 1) s
            WHERE s.prev_hash <> a.hash
            UNION ALL
            SELECT s.site_id, s.kiosk_id, s.seq, 'prev-hash-mismatch'
            FROM staging_added a
            JOIN events s ON s.site_id = a.site_id AND s.kiosk_id = a.kiosk_id AND s.lost_from = a.seq + 1
            WHERE s.prev_hash <> a.hash
            UNION ALL
            SELECT a.site_id, a.kiosk_id, a.seq, 'duplicate-seq'
            FROM staging_added a
            WHERE (SELECT COUNT(*) FROM events e WHERE e.site_id = a.site_id AND e.kiosk_id = a.kiosk_id AND e.seq = a.seq) > 1
            UNION ALL
            SELECT c.site_id, c.kiosk_id, c.seq, 'event-id-reused'
            FROM unnest(@csite::text[], @ckiosk::text[], @cseq::bigint[]) AS c(site_id, kiosk_id, seq)),
        breaks AS (
            INSERT INTO chain_breaks(site_id, kiosk_id, seq, kind, detected_at)
            SELECT DISTINCT site_id, kiosk_id, seq, kind, @now FROM checks
            ON CONFLICT DO NOTHING
            RETURNING site_id, kiosk_id),
        broken AS (SELECT site_id, kiosk_id, COUNT(*) AS n FROM breaks GROUP BY site_id, kiosk_id),
        batch AS (
            SELECT site_id, kiosk_id, COUNT(*) AS n, MAX(seq) AS last_seq, MAX(occurred_at) AS last_at,
                   bool_or(lost_from IS NOT NULL) AS declares
            FROM staging_added GROUP BY site_id, kiosk_id),
        fresh AS (
            SELECT site_id, kiosk_id, COUNT(DISTINCT seq) AS n
            FROM staging_added a
            WHERE NOT EXISTS (
                SELECT 1 FROM events e
                WHERE e.site_id = a.site_id AND e.kiosk_id = a.kiosk_id AND e.seq = a.seq
                  AND NOT EXISTS (SELECT 1 FROM staging_added b WHERE b.id = e.id))
            GROUP BY site_id, kiosk_id),
        touched AS (SELECT site_id, kiosk_id FROM batch UNION SELECT site_id, kiosk_id FROM broken)
        UPDATE kiosk_summaries k SET
            events           = k.events + COALESCE(b.n, 0),
            distinct_seqs    = k.distinct_seqs + COALESCE(f.n, 0),
            last_seq         = GREATEST(k.last_seq, COALESCE(b.last_seq, 0)),
            last_received_at = CASE WHEN b.last_seq > k.last_seq THEN @now ELSE k.last_received_at END,
            last_occurred_at = GREATEST(k.last_occurred_at, b.last_at),
            chain_breaks     = k.chain_breaks + COALESCE(x.n, 0),
            declares_loss    = k.declares_loss OR COALESCE(b.declares, false)
        FROM touched t
        LEFT JOIN batch b ON b.site_id = t.site_id AND b.kiosk_id = t.kiosk_id
        LEFT JOIN fresh f ON f.site_id = t.site_id AND f.kiosk_id = t.kiosk_id
        LEFT JOIN broken x ON x.site_id = t.site_id AND x.kiosk_id = t.kiosk_id
        WHERE k.site_id = t.site_id AND k.kiosk_id = t.kiosk_id
        """;

    private static Dictionary<Guid, string> StoredHashes(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> events, HashSet<Guid> added)
    {
        var result = new Dictionary<Guid, string>();
        var ids = new HashSet<Guid>();
        var seen = new HashSet<Guid>();
        foreach (var (entry, _) in events)
        {
            if (!(added.Contains(entry.EventId) && seen.Add(entry.EventId)))
            {
                ids.Add(entry.EventId);
            }
        }

        if (ids.Count == 0)
        {
            return result;
        }

        using var cmd = new NpgsqlCommand("SELECT event_id, hash FROM events WHERE event_id = ANY(@ids)", connection, tx);
        cmd.Parameters.AddWithValue("ids", ids.ToArray());
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            result[reader.GetGuid(0)] = reader.GetString(1);
        }

        return result;
    }

    private static void CopyToStaging(NpgsqlConnection connection, IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> events, string[] hashes)
    {
        using var copy = connection.BeginBinaryImport($"COPY staging_events ({StagingColumns}) FROM STDIN (FORMAT BINARY)");
        for (var i = 0; i < events.Count; i++)
        {
            var (entry, payload) = events[i];
            copy.StartRow();
            copy.Write(i, NpgsqlDbType.Integer);
            copy.Write(entry.EventId, NpgsqlDbType.Uuid);
            copy.Write(Text(entry.SiteId), NpgsqlDbType.Text);
            copy.Write(Text(entry.KioskId), NpgsqlDbType.Text);
            copy.Write(entry.Seq, NpgsqlDbType.Bigint);
            copy.Write(entry.OccurredAt.ToUniversalTime(), NpgsqlDbType.TimestampTz);
            copy.Write(Text(entry.Type), NpgsqlDbType.Text);
            WriteNullable(copy, TextOrNull(entry.Decision));
            WriteNullable(copy, TextOrNull(entry.Reason));
            WriteNullable(copy, TextOrNull(entry.Credential?.SubjectId));
            copy.Write(payload.ToArray(), NpgsqlDbType.Bytea);
            copy.Write(hashes[i], NpgsqlDbType.Text);
            copy.Write(Text(entry.PrevHash), NpgsqlDbType.Text);
            if (DeclaredLossFrom(entry) is { } lostFrom)
            {
                copy.Write(lostFrom, NpgsqlDbType.Bigint);
            }
            else
            {
                copy.WriteNull();
            }

            WriteNullable(copy, TextOrNull(entry.Direction));
            WriteNullable(copy, TextOrNull(entry.Credential?.Kind));
            WriteNullable(copy, TextOrNull(entry.TimeSource));
        }

        copy.Complete();
    }

    private static void WriteNullable(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, NpgsqlDbType.Text);
        }
    }

    private static void InsertToStaging(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> events, string[] hashes)
    {
        for (var start = 0; start < events.Count; start += InsertChunk)
        {
            var end = Math.Min(events.Count, start + InsertChunk);
            using var cmd = new NpgsqlCommand { Connection = connection, Transaction = tx };
            var sql = new StringBuilder($"INSERT INTO staging_events ({StagingColumns}) VALUES ");
            for (var i = start; i < end; i++)
            {
                var (entry, payload) = events[i];
                var n = (i - start) * StagingColumnCount;
                sql.Append(i == start ? "(" : ",(");
                for (var c = 0; c < StagingColumnCount; c++)
                {
                    sql.Append(c == 0 ? "$" : ",$").Append(n + c + 1);
                }

                sql.Append(')');
                cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = i });
                cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = entry.EventId });
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Text(entry.SiteId) });
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Text(entry.KioskId) });
                cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = entry.Seq });
                cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = entry.OccurredAt.ToUniversalTime() });
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Text(entry.Type) });
                cmd.Parameters.Add(NullableText(TextOrNull(entry.Decision)));
                cmd.Parameters.Add(NullableText(TextOrNull(entry.Reason)));
                cmd.Parameters.Add(NullableText(TextOrNull(entry.Credential?.SubjectId)));
                cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = payload.ToArray() });
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = hashes[i] });
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Text(entry.PrevHash) });
                cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)DeclaredLossFrom(entry) ?? DBNull.Value });
                cmd.Parameters.Add(NullableText(TextOrNull(entry.Direction)));
                cmd.Parameters.Add(NullableText(TextOrNull(entry.Credential?.Kind)));
                cmd.Parameters.Add(NullableText(TextOrNull(entry.TimeSource)));
            }

            cmd.CommandText = sql.ToString();
            cmd.ExecuteNonQuery();
        }
    }

    private static NpgsqlParameter NullableText(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    /// <summary>
    /// PostgreSQL text holds neither NUL nor unpaired UTF-16 surrogates, which a JSON string may carry (<c>\u0000</c>,
    /// <c>\ud800</c>): they become U+FFFD in the indexed columns, so such an event is still stored (its payload keeps the
    /// original bytes) instead of failing its batch again at every redelivery.
    /// </summary>
    internal static string Text(string value)
    {
        var i = 0;
        while (i < value.Length && IsClean(value, ref i))
        {
        }

        if (i == value.Length)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length);
        for (var j = 0; j < value.Length;)
        {
            var start = j;
            if (IsClean(value, ref j))
            {
                sb.Append(value, start, j - start);
            }
            else
            {
                sb.Append('\uFFFD');
                j++;
            }
        }

        return sb.ToString();
    }

    /// <summary>True, stepping past it, when the character (or surrogate pair) at <paramref name="i"/> is one PostgreSQL text holds.</summary>
    private static bool IsClean(string value, ref int i)
    {
        var c = value[i];
        if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
        {
            i += 2;
            return true;
        }

        if (c == '\0' || char.IsSurrogate(c))
        {
            return false;
        }

        i++;
        return true;
    }

    private static string? TextOrNull(string? value) => value is null ? null : Text(value);

    /// <summary>
    /// The first seq of the loss <paramref name="entry"/> declares, when the declaration is well formed (a range of at
    /// least one seq ending just below the event); otherwise null, as in the SQLite store.
    /// </summary>
    private static long? DeclaredLossFrom(EntryEvent entry) =>
        entry.LostSeqs is { } lost && lost.From >= 1 && lost.From <= lost.To && lost.To == entry.Seq - 1 ? lost.From : null;

    /// <summary>The writer's session, opened on first use with its staging tables (emptied at each commit).</summary>
    private NpgsqlConnection Writer()
    {
        if (_writer is { FullState: System.Data.ConnectionState.Open } open)
        {
            return open;
        }

        _writer?.Dispose();
        _writer = null;
        var connection = _dataSource.OpenConnection();
        try
        {
            // jit off: the staging tables have no statistics, so the planner guesses them large and would compile each
            // batch's statements to machine code, which costs far more than running them on a few hundred rows.
            using var cmd = new NpgsqlCommand("""
                SET jit = off;
                CREATE TEMP TABLE staging_events(
                    ord integer NOT NULL, event_id uuid NOT NULL, site_id text NOT NULL, kiosk_id text NOT NULL,
                    seq bigint NOT NULL, occurred_at timestamptz NOT NULL, type text NOT NULL, decision text, reason text,
                    subject text, payload bytea NOT NULL, hash text NOT NULL, prev_hash text NOT NULL, lost_from bigint,
                    direction text, credential_kind text, time_source text
                ) ON COMMIT DELETE ROWS;
                CREATE TEMP TABLE staging_added(
                    id bigint NOT NULL, event_id uuid NOT NULL, site_id text NOT NULL, kiosk_id text NOT NULL,
                    seq bigint NOT NULL, occurred_at timestamptz NOT NULL, hash text NOT NULL, prev_hash text NOT NULL,
                    lost_from bigint
                ) ON COMMIT DELETE ROWS;
                """, connection);
            cmd.ExecuteNonQuery();
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        _writer = connection;
        return connection;
    }

    /// <summary>The highest seq central holds of a kiosk and when the event carrying it was received; null when none.</summary>
    public (long Seq, DateTimeOffset ReceivedAt)? GetLatest(string site, string kiosk)
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT last_seq, last_received_at FROM kiosk_summaries WHERE site_id = @site AND kiosk_id = @kiosk AND events > 0", connection);
        cmd.Parameters.AddWithValue("site", site);
        cmd.Parameters.AddWithValue("kiosk", kiosk);
        using var reader = cmd.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1)) : null;
    }

    /// <summary>
    /// Keeps a rejected message aside (its first <see cref="StoreLimits.QuarantinePrefixBytes"/> bytes, size and
    /// SHA-256), counts it against its kiosk (beyond <see cref="StoreLimits.RejectedMaxKiosks"/> kiosks, under an
    /// empty site and kiosk), and drops the oldest quarantined messages beyond the row and byte caps.
    /// </summary>
    public void Quarantine(string topic, string? site, string? kiosk, string reason, ReadOnlySpan<byte> prefix, long size, string sha256)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(reason);
        var now = _time.GetUtcNow();
        using var connection = _dataSource.OpenConnection();
        using var tx = connection.BeginTransaction();
        using (var cmd = new NpgsqlCommand("""
            INSERT INTO quarantine(received_at, topic, site_id, kiosk_id, reason, size, sha256, prefix)
            VALUES (@at, @topic, @site, @kiosk, @reason, @size, @sha, @prefix);
            DELETE FROM quarantine WHERE id <= (SELECT id FROM quarantine ORDER BY id DESC LIMIT 1 OFFSET @maxRows);
            DELETE FROM quarantine WHERE id <= (
                SELECT id FROM (SELECT id, SUM(octet_length(prefix)) OVER (ORDER BY id DESC) AS total FROM quarantine) t
                WHERE total > @maxBytes ORDER BY id DESC LIMIT 1);
            """, connection, tx))
        {
            cmd.Parameters.AddWithValue("at", now);
            cmd.Parameters.AddWithValue("topic", Text(topic.Length > Topics.MaxTopicLength ? topic[..Topics.MaxTopicLength] : topic));
            cmd.Parameters.Add(NullableText(TextOrNull(site))).ParameterName = "site";
            cmd.Parameters.Add(NullableText(TextOrNull(kiosk))).ParameterName = "kiosk";
            cmd.Parameters.AddWithValue("reason", Text(reason));
            cmd.Parameters.AddWithValue("size", size);
            cmd.Parameters.AddWithValue("sha", Text(sha256));
            cmd.Parameters.AddWithValue("prefix", prefix[..Math.Min(prefix.Length, StoreLimits.QuarantinePrefixBytes)].ToArray());
            cmd.Parameters.AddWithValue("maxRows", (long)QuarantineRows);
            cmd.Parameters.AddWithValue("maxBytes", QuarantineBytes);
            cmd.ExecuteNonQuery();
        }

        using (var cmd = new NpgsqlCommand("""
            WITH own AS (
                INSERT INTO rejected(site_id, kiosk_id, rejected, last_reason, last_at)
                SELECT @site, @kiosk, 1, @reason, @at
                WHERE EXISTS (SELECT 1 FROM rejected WHERE site_id = @site AND kiosk_id = @kiosk)
                   OR (SELECT COUNT(*) FROM rejected) < @maxKiosks
                ON CONFLICT (site_id, kiosk_id) DO UPDATE SET rejected = rejected.rejected + 1, last_reason = excluded.last_reason, last_at = excluded.last_at
                RETURNING 1)
            INSERT INTO rejected(site_id, kiosk_id, rejected, last_reason, last_at)
            SELECT '', '', 1, @reason, @at WHERE NOT EXISTS (SELECT 1 FROM own)
            ON CONFLICT (site_id, kiosk_id) DO UPDATE SET rejected = rejected.rejected + 1, last_reason = excluded.last_reason, last_at = excluded.last_at
            """, connection, tx))
        {
            cmd.Parameters.AddWithValue("site", Text(site ?? ""));
            cmd.Parameters.AddWithValue("kiosk", Text(kiosk ?? ""));
            cmd.Parameters.AddWithValue("reason", Text(reason));
            cmd.Parameters.AddWithValue("at", now);
            cmd.Parameters.AddWithValue("maxKiosks", (long)StoreLimits.RejectedMaxKiosks);
            cmd.ExecuteNonQuery();
        }

        tx.Commit();
    }

    /// <summary>Messages rejected since the store was created (all kiosks, and those no kiosk could be named for).</summary>
    public long GetRejectedTotal()
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT COALESCE(SUM(rejected), 0)::bigint FROM rejected", connection);
        return (long)cmd.ExecuteScalar()!;
    }

    /// <summary>The quarantined messages, newest first, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<QuarantinedMessage> GetQuarantine(int max = 100)
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT received_at, topic, site_id, kiosk_id, reason, size, sha256, prefix FROM quarantine ORDER BY id DESC LIMIT @max", connection);
        cmd.Parameters.AddWithValue("max", (long)max);
        using var reader = cmd.ExecuteReader();
        var list = new List<QuarantinedMessage>();
        while (reader.Read())
        {
            list.Add(new QuarantinedMessage(
                reader.GetFieldValue<DateTimeOffset>(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4),
                reader.GetInt64(5),
                reader.GetString(6),
                reader.GetFieldValue<byte[]>(7)));
        }

        return list;
    }

    /// <summary>Marks a missing range as one the kiosk cannot send: it is reported apart and no longer asked for.</summary>
    public void MarkUnrecoverable(string site, string kiosk, SeqRange range)
    {
        ArgumentNullException.ThrowIfNull(range);
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("""
            INSERT INTO unrecoverable(site_id, kiosk_id, from_seq, to_seq, marked_at) VALUES (@site, @kiosk, @from, @to, @at)
            ON CONFLICT DO NOTHING
            """, connection);
        cmd.Parameters.AddWithValue("site", site);
        cmd.Parameters.AddWithValue("kiosk", kiosk);
        cmd.Parameters.AddWithValue("from", range.From);
        cmd.Parameters.AddWithValue("to", range.To);
        cmd.Parameters.AddWithValue("at", _time.GetUtcNow());
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Every run of seqs central does not hold below a kiosk's highest seq (<c>first</c>–<c>last</c>), with the lowest
    /// start of a declared loss that covers part of it (<c>declared</c>, null when none).
    /// </summary>
    private const string MissingRunsSql = """
        WITH s AS (SELECT DISTINCT seq FROM events WHERE site_id = @site AND kiosk_id = @kiosk),
             n AS (SELECT seq, LAG(seq, 1, 0::bigint) OVER (ORDER BY seq) AS prev FROM s),
             runs AS (
                SELECT prev + 1 AS first, seq - 1 AS last,
                       (SELECT MIN(d.lost_from) FROM events d
                        WHERE d.site_id = @site AND d.kiosk_id = @kiosk AND d.lost_from IS NOT NULL
                          AND d.lost_from <= n.seq - 1 AND d.seq - 1 >= n.prev + 1) AS declared
                FROM n WHERE seq > prev + 1)
        """;

    private const string UndeclaredRunsSql = MissingRunsSql + """
        SELECT first, LEAST(last, COALESCE(declared, last + 1) - 1) FROM runs
        WHERE COALESCE(declared, last + 1) > first AND first > @after ORDER BY first LIMIT @max
        """;

    private const string DeclaredLostSql = MissingRunsSql + """
        SELECT GREATEST(first, declared), last FROM runs
        WHERE declared IS NOT NULL AND GREATEST(first, declared) > @after ORDER BY first LIMIT @max
        """;

    /// <summary>
    /// Missing seq ranges of one kiosk (below its highest seq) that may still arrive, oldest first, at most
    /// <paramref name="max"/>, starting above <paramref name="afterSeq"/>; declared and unrecoverable ranges are not gaps.
    /// </summary>
    public IReadOnlyList<SeqRange> GetGaps(string site, string kiosk, int max = 100, long afterSeq = 0)
    {
        using var connection = _dataSource.OpenConnection();
        var unrecoverable = UnrecoverableRows(connection, site, kiosk);
        return unrecoverable.Count == 0
            ? QueryRanges(connection, site, kiosk, max, UndeclaredRunsSql, afterSeq)
            : [.. QueryRanges(connection, site, kiosk, int.MaxValue, UndeclaredRunsSql, afterSeq).Where(r => !unrecoverable.Contains(r)).Take(max)];
    }

    /// <summary>Missing ranges the kiosk answered it cannot send, oldest first; a range that arrives after all leaves the list.</summary>
    public IReadOnlyList<SeqRange> GetUnrecoverable(string site, string kiosk, int max = 100, long afterSeq = 0)
    {
        using var connection = _dataSource.OpenConnection();
        var unrecoverable = UnrecoverableRows(connection, site, kiosk);
        return unrecoverable.Count == 0
            ? []
            : [.. QueryRanges(connection, site, kiosk, int.MaxValue, UndeclaredRunsSql, afterSeq).Where(unrecoverable.Contains).Take(max)];
    }

    /// <summary>Seq ranges central does not hold that the kiosk declared lost, oldest first; never asked for again.</summary>
    public IReadOnlyList<SeqRange> GetDeclaredLost(string site, string kiosk, int max = 100, long afterSeq = 0)
    {
        using var connection = _dataSource.OpenConnection();
        return QueryRanges(connection, site, kiosk, max, DeclaredLostSql, afterSeq);
    }

    private static HashSet<SeqRange> UnrecoverableRows(NpgsqlConnection connection, string site, string kiosk)
    {
        using var cmd = new NpgsqlCommand("SELECT from_seq, to_seq FROM unrecoverable WHERE site_id = @site AND kiosk_id = @kiosk", connection);
        cmd.Parameters.AddWithValue("site", site);
        cmd.Parameters.AddWithValue("kiosk", kiosk);
        using var reader = cmd.ExecuteReader();
        var set = new HashSet<SeqRange>();
        while (reader.Read())
        {
            set.Add(new SeqRange(reader.GetInt64(0), reader.GetInt64(1)));
        }

        return set;
    }

    private static List<SeqRange> QueryRanges(NpgsqlConnection connection, string site, string kiosk, int max, string sql, long afterSeq = 0)
    {
        using var cmd = new NpgsqlCommand(sql, connection);
        cmd.Parameters.AddWithValue("site", site);
        cmd.Parameters.AddWithValue("kiosk", kiosk);
        cmd.Parameters.AddWithValue("max", (long)max);
        cmd.Parameters.AddWithValue("after", afterSeq);
        using var reader = cmd.ExecuteReader();
        var ranges = new List<SeqRange>();
        while (reader.Read())
        {
            ranges.Add(new SeqRange(reader.GetInt64(0), reader.GetInt64(1)));
        }

        return ranges;
    }

    /// <summary>Breaks of one kiosk's hash chain above <paramref name="afterSeq"/>, in seq order, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<ChainBreak> GetChainBreaks(string site, string kiosk, int max = int.MaxValue, long afterSeq = 0)
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("""
            SELECT seq, kind, detected_at FROM chain_breaks
            WHERE site_id = @site AND kiosk_id = @kiosk AND seq > @after ORDER BY seq, kind COLLATE "C" LIMIT @max
            """, connection);
        cmd.Parameters.AddWithValue("site", site);
        cmd.Parameters.AddWithValue("kiosk", kiosk);
        cmd.Parameters.AddWithValue("after", afterSeq);
        cmd.Parameters.AddWithValue("max", (long)max);
        using var reader = cmd.ExecuteReader();
        var breaks = new List<ChainBreak>();
        while (reader.Read())
        {
            breaks.Add(new ChainBreak(reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return breaks;
    }

    /// <summary>One page of a kiosk's chain report (see <see cref="ChainReports.GetChainPageAsync"/>).</summary>
    public ChainPage GetChainPage(string site, string kiosk, int limit, long afterSeq = 0) =>
        this.GetChainPageAsync(site, kiosk, limit, afterSeq).GetAwaiter().GetResult();

    /// <summary>Records the retained status a kiosk published.</summary>
    public void SetStatus(KioskStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("""
            INSERT INTO kiosks(site_id, kiosk_id, state, version, status_at) VALUES (@site, @kiosk, @state, @version, @at)
            ON CONFLICT (site_id, kiosk_id) DO UPDATE SET state = excluded.state,
                version = COALESCE(excluded.version, kiosks.version), status_at = excluded.status_at
            """, connection);
        cmd.Parameters.AddWithValue("site", Text(status.SiteId));
        cmd.Parameters.AddWithValue("kiosk", Text(status.KioskId));
        cmd.Parameters.AddWithValue("state", Text(status.State));
        cmd.Parameters.Add(NullableText(TextOrNull(status.Version))).ParameterName = "version";
        cmd.Parameters.AddWithValue("at", _time.GetUtcNow());
        cmd.ExecuteNonQuery();
    }

    /// <summary>Writes a page of events, newest first, as <c>{"items":[...],"nextCursor":"…"}</c> (see <see cref="EventPage.WriteTo"/>).</summary>
    public void WriteEvents(Utf8JsonWriter writer, EventQuery query) => GetEvents(query).WriteTo(writer);

    /// <summary>One page of events matching <paramref name="query"/>, newest first by when they happened, with each event's exact bytes.</summary>
    public EventPage GetEvents(EventQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder("SELECT id, payload FROM events WHERE true");
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand { Connection = connection };
        void Filter(string clause, string name, object? value)
        {
            if (value is not null)
            {
                sql.Append(" AND ").Append(clause);
                cmd.Parameters.AddWithValue(name, value);
            }
        }

        Filter("site_id = @site", "site", TextOrNull(query.Site));
        Filter("kiosk_id = @kiosk", "kiosk", TextOrNull(query.Kiosk));
        Filter("subject = @subject", "subject", TextOrNull(query.Subject));
        Filter("decision = @decision", "decision", TextOrNull(query.Decision));
        Filter("occurred_at >= @from", "from", query.From?.ToUniversalTime());
        Filter("occurred_at < @to", "to", query.To?.ToUniversalTime());
        Filter("reason = @reason", "reason", TextOrNull(query.Reason));
        Filter("type = @type", "type", TextOrNull(query.Type));
        Filter("site_id = ANY(@sites)", "sites", query.Sites?.Select(Text).ToArray());

        // After the cursor's row (the previous page's last), newest first by when events happened, then as stored.
        Filter("(occurred_at, id) < ((SELECT c.occurred_at FROM events c WHERE c.id = @cursor), @cursor)", "cursor", query.Cursor);
        sql.Append(" ORDER BY occurred_at DESC, id DESC LIMIT @limit");
        cmd.Parameters.AddWithValue("limit", (long)query.Limit + 1);
        cmd.CommandText = sql.ToString();

        using var reader = cmd.ExecuteReader();
        var payloads = new List<ReadOnlyMemory<byte>>();
        long? last = null;
        var more = false;
        while (reader.Read())
        {
            if (payloads.Count == query.Limit)
            {
                more = true;
                break;
            }

            last = reader.GetInt64(0);
            payloads.Add(reader.GetFieldValue<byte[]>(1));
        }

        return new EventPage(payloads, more ? last : null);
    }

    /// <summary>Every kiosk heard of, with its status and what central holds of its journal; read again only after a commit.</summary>
    public IReadOnlyList<KioskSummary> GetKiosks() => _kiosks.Get();

    /// <summary>
    /// The server's current snapshot (lowest running transaction, next id, those running): any transaction that writes
    /// takes an id and then ends, and either changes it.
    /// </summary>
    private string? CurrentSnapshot()
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT pg_current_snapshot()::text", connection);
        return cmd.ExecuteScalar() as string;
    }

    /// <summary>Every kiosk heard of, with its status and what central holds of its journal, read from the summaries.</summary>
    private List<KioskSummary> ReadKiosks()
    {
        using var connection = _dataSource.OpenConnection();
        var list = new List<KioskSummary>();
        var declaring = new List<int>();
        var marked = new List<int>();
        using (var cmd = new NpgsqlCommand("""
            WITH ids AS (
                SELECT site_id, kiosk_id FROM kiosk_summaries WHERE events > 0
                UNION SELECT site_id, kiosk_id FROM kiosks
                UNION SELECT site_id, kiosk_id FROM rejected WHERE site_id <> '')
            SELECT ids.site_id, ids.kiosk_id, k.state, k.version, k.status_at,
                   COALESCE(s.events, 0), COALESCE(s.last_seq, 0), s.last_occurred_at, COALESCE(s.last_seq - s.distinct_seqs, 0),
                   COALESCE(s.chain_breaks, 0), COALESCE(s.declares_loss, false), r.rejected,
                   EXISTS (SELECT 1 FROM unrecoverable u WHERE u.site_id = ids.site_id AND u.kiosk_id = ids.kiosk_id)
            FROM ids
            LEFT JOIN kiosks k ON k.site_id = ids.site_id AND k.kiosk_id = ids.kiosk_id
            LEFT JOIN kiosk_summaries s ON s.site_id = ids.site_id AND s.kiosk_id = ids.kiosk_id
            LEFT JOIN rejected r ON r.site_id = ids.site_id AND r.kiosk_id = ids.kiosk_id
            ORDER BY ids.site_id COLLATE "C", ids.kiosk_id COLLATE "C"
            """, connection))
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                if (reader.GetBoolean(10))
                {
                    declaring.Add(list.Count);
                }

                if (reader.GetBoolean(12))
                {
                    marked.Add(list.Count);
                }

                list.Add(new KioskSummary(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.IsDBNull(2) ? "unknown" : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                    reader.GetInt64(5),
                    reader.GetInt64(6),
                    reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                    reader.GetInt64(8),
                    reader.GetInt64(9))
                {
                    Rejected = reader.IsDBNull(11) ? 0 : reader.GetInt64(11),
                });
            }
        }

        // Kiosks that declared losses are rare: their declared seqs move from missing to declared lost.
        foreach (var i in declaring)
        {
            var lost = QueryRanges(connection, list[i].SiteId, list[i].KioskId, int.MaxValue, DeclaredLostSql).Sum(r => r.To - r.From + 1);
            list[i] = list[i] with { Missing = list[i].Missing - lost, DeclaredLost = lost };
        }

        // So are kiosks with ranges they answered they cannot send: those move from missing to unrecoverable.
        foreach (var i in marked)
        {
            var rows = UnrecoverableRows(connection, list[i].SiteId, list[i].KioskId);
            var lost = QueryRanges(connection, list[i].SiteId, list[i].KioskId, int.MaxValue, UndeclaredRunsSql).Where(rows.Contains).Sum(r => r.To - r.From + 1);
            list[i] = list[i] with { Missing = list[i].Missing - lost, Unrecoverable = lost };
        }

        return list;
    }

    public void Dispose()
    {
        _groupCommit.Dispose();
        lock (_writeLock)
        {
            _writer?.Dispose();
            _writer = null;
        }

        _dataSource.Dispose();
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, connection, tx);
        cmd.ExecuteNonQuery();
    }
}
