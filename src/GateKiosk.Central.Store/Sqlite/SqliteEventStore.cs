using System.Text;
using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

/// <summary>
/// Central's event store in SQLite. Events are stored once by <c>eventId</c> (a resend is absorbed), with
/// the exact payload the kiosk published, so the hash chain can be checked later.
/// <para>
/// A kiosk whose journal lost its newest events declares the lost seqs in a <c>journal-tail-lost</c> event
/// (<see cref="EntryEvent.LostSeqs"/>): that event chains to the last event before the range, and the seqs in the range
/// that central does not hold are reported as declared lost instead of as gaps, so they are not asked for again.
/// </para>
/// </summary>
public sealed class SqliteEventStore : ICentralStore
{
    /// <summary>Most messages kept in quarantine; the oldest go first.</summary>
    public const int QuarantineMaxRows = StoreLimits.QuarantineMaxRows;

    /// <summary>Most bytes of message prefixes kept in quarantine; the oldest go first.</summary>
    public const long QuarantineMaxBytes = StoreLimits.QuarantineMaxBytes;

    /// <summary>How much of each quarantined message is kept.</summary>
    public const int QuarantinePrefixBytes = StoreLimits.QuarantinePrefixBytes;

    /// <summary>
    /// Most kiosks with a count of rejected messages of their own; beyond it rejections are counted under an empty
    /// site and kiosk, so made-up kiosk ids in topics cannot grow the table.
    /// </summary>
    public const int RejectedMaxKiosks = StoreLimits.RejectedMaxKiosks;

    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    /// <summary>The quarantine's row cap (<see cref="QuarantineMaxRows"/>; smaller in tests).</summary>
    internal int QuarantineRows { get; init; } = QuarantineMaxRows;

    /// <summary>The quarantine's byte cap (<see cref="QuarantineMaxBytes"/>; smaller in tests).</summary>
    internal long QuarantineBytes { get; init; } = QuarantineMaxBytes;

    private readonly TimeProvider _time;

    public SqliteEventStore(string databasePath, TimeProvider time)
    {
        GateKiosk.Core.PrivateFiles.PrepareDatabase(databasePath);
        _time = time;
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;");
        try
        {
            Migrations.StoreMigrator.Migrate(_connection, databasePath);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    /// <summary>Stores <paramref name="entry"/> with its exact <paramref name="payload"/>; false when it was already stored.</summary>
    public bool Add(EntryEvent entry, string payload) => AddRange([(entry, payload)]) == 1;

    /// <summary>Stores events whose payload is the UTF-8 of a string; returns how many were new.</summary>
    public int AddRange(IReadOnlyList<(EntryEvent Entry, string Payload)> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return Store([.. events.Select(e => (e.Entry, (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(e.Payload)))]).Added;
    }

    /// <summary>
    /// Stores events with their exact payload bytes in one transaction. An <c>eventId</c> already stored with the same
    /// bytes is a duplicate (a resend); with other bytes it is a conflict, recorded as a chain break and not stored.
    /// </summary>
    public StoreResult Store(IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        lock (_lock)
        {
            using var tx = _connection.BeginTransaction();
            using var cmd = _connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT OR IGNORE INTO events(event_id, site_id, kiosk_id, seq, occurred_at, received_at, type, decision, reason, subject, payload, hash, prev_hash, lost_from)
                VALUES ($id, $site, $kiosk, $seq, $at, $received, $type, $decision, $reason, $subject, $payload, $hash, $prev, $lost)
                """;
            string[] names = ["$id", "$site", "$kiosk", "$seq", "$at", "$received", "$type", "$decision", "$reason", "$subject", "$payload", "$hash", "$prev", "$lost"];
            var p = names.Select(n => cmd.Parameters.Add(n, n == "$payload" ? SqliteType.Blob : SqliteType.Text)).ToArray();
            var received = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var added = 0;
            var duplicates = 0;
            var conflicts = new List<int>();
            for (var i = 0; i < events.Count; i++)
            {
                var (entry, payload) = events[i];
                var bytes = payload.ToArray();
                p[0].Value = entry.EventId.ToString();
                p[1].Value = entry.SiteId;
                p[2].Value = entry.KioskId;
                p[3].Value = entry.Seq;
                p[4].Value = entry.OccurredAt.ToUnixTimeMilliseconds();
                p[5].Value = received;
                p[6].Value = entry.Type;
                p[7].Value = (object?)entry.Decision ?? DBNull.Value;
                p[8].Value = (object?)entry.Reason ?? DBNull.Value;
                p[9].Value = (object?)entry.Credential?.SubjectId ?? DBNull.Value;
                p[10].Value = bytes;
                var hash = EventChain.Hash(bytes);
                p[11].Value = hash;
                p[12].Value = entry.PrevHash;
                var lostFrom = DeclaredLossFrom(entry);
                p[13].Value = (object?)lostFrom ?? DBNull.Value;
                if (cmd.ExecuteNonQuery() == 1)
                {
                    added++;
                    CheckChain(tx, entry, hash, lostFrom, received);
                }
                else if (SamePayload(tx, entry.EventId, bytes))
                {
                    duplicates++;
                }
                else
                {
                    // The same eventId with other content: an edit or a forgery. The first one stays; this one is a break.
                    conflicts.Add(i);
                    RecordBreak(tx, entry, entry.Seq, ChainBreakKinds.EventIdReused, received);
                }
            }

            tx.Commit();
            return new StoreResult(added, duplicates, conflicts);
        }
    }

    private bool SamePayload(SqliteTransaction tx, Guid eventId, byte[] payload)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT payload FROM events WHERE event_id = $id";
        cmd.Parameters.AddWithValue("$id", eventId.ToString());
        using var reader = cmd.ExecuteReader();
        return reader.Read() && reader.GetFieldValue<byte[]>(0).AsSpan().SequenceEqual(payload);
    }

    /// <summary>The highest seq central holds of a kiosk and when the event carrying it was received; null when none.</summary>
    public (long Seq, DateTimeOffset ReceivedAt)? GetLatest(string site, string kiosk)
    {
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT seq, received_at FROM events WHERE site_id = $site AND kiosk_id = $kiosk ORDER BY seq DESC LIMIT 1";
            cmd.Parameters.AddWithValue("$site", site);
            cmd.Parameters.AddWithValue("$kiosk", kiosk);
            using var reader = cmd.ExecuteReader();
            return reader.Read() ? (reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))) : null;
        }
    }

    /// <summary>
    /// Keeps a rejected message aside for inspection (<paramref name="prefix"/>, cut to <see cref="QuarantinePrefixBytes"/>
    /// bytes, with the whole message's <paramref name="size"/> and <paramref name="sha256"/>), counts it against its kiosk
    /// (when the topic names one), and drops the oldest quarantined messages beyond <see cref="QuarantineMaxRows"/> or
    /// <see cref="QuarantineMaxBytes"/>.
    /// </summary>
    public void Quarantine(string topic, string? site, string? kiosk, string reason, ReadOnlySpan<byte> prefix, long size, string sha256)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(reason);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_lock)
        {
            using var tx = _connection.BeginTransaction();
            using var cmd = _connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO quarantine(received_at, topic, site_id, kiosk_id, reason, size, sha256, prefix)
                VALUES ($at, $topic, $site, $kiosk, $reason, $size, $sha, $prefix);
                DELETE FROM quarantine WHERE id <= (SELECT id FROM quarantine ORDER BY id DESC LIMIT 1 OFFSET $maxRows);
                DELETE FROM quarantine WHERE id <= (
                    SELECT id FROM (SELECT id, SUM(length(prefix)) OVER (ORDER BY id DESC) AS total FROM quarantine)
                    WHERE total > $maxBytes ORDER BY id DESC LIMIT 1);
                """;
            cmd.Parameters.AddWithValue("$at", now);
            cmd.Parameters.AddWithValue("$topic", topic.Length > Topics.MaxTopicLength ? topic[..Topics.MaxTopicLength] : topic);
            cmd.Parameters.AddWithValue("$site", (object?)site ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$kiosk", (object?)kiosk ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$reason", reason);
            cmd.Parameters.AddWithValue("$size", size);
            cmd.Parameters.AddWithValue("$sha", sha256);
            cmd.Parameters.Add("$prefix", SqliteType.Blob).Value = prefix[..Math.Min(prefix.Length, QuarantinePrefixBytes)].ToArray();
            cmd.Parameters.AddWithValue("$maxRows", QuarantineRows);
            cmd.Parameters.AddWithValue("$maxBytes", QuarantineBytes);
            cmd.ExecuteNonQuery();

            cmd.Parameters.Clear();
            cmd.CommandText = """
                INSERT INTO rejected(site_id, kiosk_id, rejected, last_reason, last_at)
                SELECT $site, $kiosk, 1, $reason, $at
                WHERE EXISTS (SELECT 1 FROM rejected WHERE site_id = $site AND kiosk_id = $kiosk)
                   OR (SELECT COUNT(*) FROM rejected) < $maxKiosks
                ON CONFLICT(site_id, kiosk_id) DO UPDATE SET rejected = rejected.rejected + 1, last_reason = excluded.last_reason, last_at = excluded.last_at;
                INSERT INTO rejected(site_id, kiosk_id, rejected, last_reason, last_at)
                SELECT '', '', 1, $reason, $at WHERE changes() = 0
                ON CONFLICT(site_id, kiosk_id) DO UPDATE SET rejected = rejected.rejected + 1, last_reason = excluded.last_reason, last_at = excluded.last_at;
                """;
            cmd.Parameters.AddWithValue("$site", site ?? "");
            cmd.Parameters.AddWithValue("$kiosk", kiosk ?? "");
            cmd.Parameters.AddWithValue("$reason", reason);
            cmd.Parameters.AddWithValue("$at", now);
            cmd.Parameters.AddWithValue("$maxKiosks", RejectedMaxKiosks);
            cmd.ExecuteNonQuery();
            tx.Commit();
        }
    }

    /// <summary>Messages rejected since the store was created (all kiosks, and those no kiosk could be named for).</summary>
    public long GetRejectedTotal()
    {
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT COALESCE(SUM(rejected), 0) FROM rejected";
            return (long)cmd.ExecuteScalar()!;
        }
    }

    /// <summary>The quarantined messages, newest first, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<QuarantinedMessage> GetQuarantine(int max = 100)
    {
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT received_at, topic, site_id, kiosk_id, reason, size, sha256, prefix FROM quarantine ORDER BY id DESC LIMIT $max";
            cmd.Parameters.AddWithValue("$max", max);
            using var reader = cmd.ExecuteReader();
            var list = new List<QuarantinedMessage>();
            while (reader.Read())
            {
                list.Add(new QuarantinedMessage(
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
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
    }

    /// <summary>Marks a missing range as one the kiosk cannot send: it is reported apart and no longer asked for.</summary>
    public void MarkUnrecoverable(string site, string kiosk, SeqRange range)
    {
        ArgumentNullException.ThrowIfNull(range);
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "INSERT OR IGNORE INTO unrecoverable(site_id, kiosk_id, from_seq, to_seq, marked_at) VALUES ($site, $kiosk, $from, $to, $at)";
            cmd.Parameters.AddWithValue("$site", site);
            cmd.Parameters.AddWithValue("$kiosk", kiosk);
            cmd.Parameters.AddWithValue("$from", range.From);
            cmd.Parameters.AddWithValue("$to", range.To);
            cmd.Parameters.AddWithValue("$at", _time.GetUtcNow().ToUnixTimeMilliseconds());
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// The first seq of the loss <paramref name="entry"/> declares, when the declaration is well formed: a range of at least
    /// one seq ending just below the event. Anything else is not honoured, so the chain checks see the event as it is.
    /// </summary>
    private static long? DeclaredLossFrom(EntryEvent entry) =>
        entry.LostSeqs is { } lost && lost.From >= 1 && lost.From <= lost.To && lost.To == entry.Seq - 1 ? lost.From : null;

    /// <summary>
    /// Checks a newly stored event against its neighbours: its predecessor's hash must be its <c>prevHash</c>, its
    /// successors' <c>prevHash</c> must be its hash, and no other event may carry its <c>seq</c>. Breaks are recorded.
    /// The predecessor is the event before it, or, for an event that declares seqs lost, the event before the lost range;
    /// such an event is in turn the successor of that earlier event, not of the one just below it.
    /// </summary>
    private void CheckChain(SqliteTransaction tx, EntryEvent entry, string hash, long? lostFrom, long detectedAt)
    {
        var prevSeq = (lostFrom ?? entry.Seq) - 1;
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            SELECT
              (SELECT hash FROM events WHERE site_id = $site AND kiosk_id = $kiosk AND seq = $prevSeq LIMIT 1),
              (SELECT prev_hash FROM events WHERE site_id = $site AND kiosk_id = $kiosk AND seq = $seq + 1 AND lost_from IS NULL LIMIT 1),
              (SELECT COUNT(*) FROM events WHERE site_id = $site AND kiosk_id = $kiosk AND seq = $seq)
            """;
        cmd.Parameters.AddWithValue("$site", entry.SiteId);
        cmd.Parameters.AddWithValue("$kiosk", entry.KioskId);
        cmd.Parameters.AddWithValue("$seq", entry.Seq);
        cmd.Parameters.AddWithValue("$prevSeq", prevSeq);
        string? before;
        string? after;
        long sameSeq;
        using (var reader = cmd.ExecuteReader())
        {
            reader.Read();
            before = reader.IsDBNull(0) ? null : reader.GetString(0);
            after = reader.IsDBNull(1) ? null : reader.GetString(1);
            sameSeq = reader.GetInt64(2);
        }

        if (prevSeq == 0 && entry.PrevHash != EventChain.Genesis)
        {
            RecordBreak(tx, entry, entry.Seq, ChainBreakKinds.PrevHashMismatch, detectedAt);
        }

        if (before is not null && before != entry.PrevHash)
        {
            RecordBreak(tx, entry, entry.Seq, ChainBreakKinds.PrevHashMismatch, detectedAt);
        }

        if (after is not null && after != hash)
        {
            RecordBreak(tx, entry, entry.Seq + 1, ChainBreakKinds.PrevHashMismatch, detectedAt);
        }

        // Events already stored that declare a loss starting just above this event chain to it.
        cmd.CommandText = "SELECT seq, prev_hash FROM events WHERE site_id = $site AND kiosk_id = $kiosk AND lost_from = $seq + 1";
        var resumed = new List<(long Seq, string PrevHash)>();
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                resumed.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        foreach (var (seq, _) in resumed.Where(r => r.PrevHash != hash))
        {
            RecordBreak(tx, entry, seq, ChainBreakKinds.PrevHashMismatch, detectedAt);
        }

        if (sameSeq > 1)
        {
            RecordBreak(tx, entry, entry.Seq, ChainBreakKinds.DuplicateSeq, detectedAt);
        }
    }

    private void RecordBreak(SqliteTransaction tx, EntryEvent entry, long seq, string kind, long detectedAt)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT OR IGNORE INTO chain_breaks(site_id, kiosk_id, seq, kind, detected_at) VALUES ($site, $kiosk, $seq, $kind, $at)";
        cmd.Parameters.AddWithValue("$site", entry.SiteId);
        cmd.Parameters.AddWithValue("$kiosk", entry.KioskId);
        cmd.Parameters.AddWithValue("$seq", seq);
        cmd.Parameters.AddWithValue("$kind", kind);
        cmd.Parameters.AddWithValue("$at", detectedAt);
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Every run of seqs central does not hold below a kiosk's highest seq (<c>first</c>–<c>last</c>), with the lowest
    /// start of a declared loss that covers part of it (<c>declared</c>, null when none). A declared range ends just below
    /// the event that declares it, which central holds, so within a run it always covers a tail: <c>declared</c>–<c>last</c>.
    /// </summary>
    private const string MissingRunsSql = """
        WITH s AS (SELECT DISTINCT seq FROM events WHERE site_id = $site AND kiosk_id = $kiosk),
             n AS (SELECT seq, LAG(seq, 1, 0) OVER (ORDER BY seq) AS prev FROM s),
             runs AS (
                SELECT prev + 1 AS first, seq - 1 AS last,
                       (SELECT MIN(d.lost_from) FROM events d
                        WHERE d.site_id = $site AND d.kiosk_id = $kiosk AND d.lost_from IS NOT NULL
                          AND d.lost_from <= n.seq - 1 AND d.seq - 1 >= n.prev + 1) AS declared
                FROM n WHERE seq > prev + 1)
        """;

    private const string UndeclaredRunsSql = MissingRunsSql + """
        SELECT first, MIN(last, COALESCE(declared, last + 1) - 1) FROM runs
        WHERE COALESCE(declared, last + 1) > first AND first > $after ORDER BY first LIMIT $max
        """;

    /// <summary>
    /// Missing seq ranges of one kiosk (below its highest seq) that may still arrive, oldest first, at most
    /// <paramref name="max"/>, starting above <paramref name="afterSeq"/>; seqs the kiosk declared lost
    /// (<see cref="GetDeclaredLost"/>) and ranges marked unrecoverable (<see cref="GetUnrecoverable"/>) are not gaps.
    /// </summary>
    public IReadOnlyList<SeqRange> GetGaps(string site, string kiosk, int max = 100, long afterSeq = 0)
    {
        lock (_lock)
        {
            var unrecoverable = UnrecoverableRows(site, kiosk);
            if (unrecoverable.Count == 0)
            {
                return QueryRanges(site, kiosk, max, UndeclaredRunsSql, afterSeq);
            }

            // Marked ranges are few: read every undeclared run and take them out.
            return [.. QueryRanges(site, kiosk, int.MaxValue, UndeclaredRunsSql, afterSeq).Where(r => !unrecoverable.Contains(r)).Take(max)];
        }
    }

    /// <summary>
    /// Missing seq ranges of one kiosk that were asked for and that the kiosk answered it cannot send, oldest first, at
    /// most <paramref name="max"/>, starting above <paramref name="afterSeq"/>. A range that arrives after all leaves this list.
    /// </summary>
    public IReadOnlyList<SeqRange> GetUnrecoverable(string site, string kiosk, int max = 100, long afterSeq = 0)
    {
        lock (_lock)
        {
            var unrecoverable = UnrecoverableRows(site, kiosk);
            return unrecoverable.Count == 0
                ? []
                : [.. QueryRanges(site, kiosk, int.MaxValue, UndeclaredRunsSql, afterSeq).Where(unrecoverable.Contains).Take(max)];
        }
    }

    private HashSet<SeqRange> UnrecoverableRows(string site, string kiosk)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT from_seq, to_seq FROM unrecoverable WHERE site_id = $site AND kiosk_id = $kiosk";
        cmd.Parameters.AddWithValue("$site", site);
        cmd.Parameters.AddWithValue("$kiosk", kiosk);
        using var reader = cmd.ExecuteReader();
        var set = new HashSet<SeqRange>();
        while (reader.Read())
        {
            set.Add(new SeqRange(reader.GetInt64(0), reader.GetInt64(1)));
        }

        return set;
    }

    /// <summary>
    /// Seq ranges of one kiosk that central does not hold and that the kiosk declared lost (a journal that lost its newest
    /// events), oldest first, at most <paramref name="max"/>. They are never asked for again.
    /// </summary>
    public IReadOnlyList<SeqRange> GetDeclaredLost(string site, string kiosk, int max = 100, long afterSeq = 0)
    {
        lock (_lock)
        {
            return QueryRanges(site, kiosk, max, DeclaredLostSql, afterSeq);
        }
    }

    private const string DeclaredLostSql = MissingRunsSql + """
        SELECT MAX(first, declared), last FROM runs WHERE declared IS NOT NULL AND MAX(first, declared) > $after ORDER BY first LIMIT $max
        """;

    private List<SeqRange> QueryRanges(string site, string kiosk, int max, string sql, long afterSeq = 0)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$site", site);
        cmd.Parameters.AddWithValue("$kiosk", kiosk);
        cmd.Parameters.AddWithValue("$max", max);
        cmd.Parameters.AddWithValue("$after", afterSeq);
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
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT seq, kind, detected_at FROM chain_breaks WHERE site_id = $site AND kiosk_id = $kiosk AND seq > $after ORDER BY seq, kind LIMIT $max";
            cmd.Parameters.AddWithValue("$site", site);
            cmd.Parameters.AddWithValue("$kiosk", kiosk);
            cmd.Parameters.AddWithValue("$after", afterSeq);
            cmd.Parameters.AddWithValue("$max", max);
            using var reader = cmd.ExecuteReader();
            var breaks = new List<ChainBreak>();
            while (reader.Read())
            {
                breaks.Add(new ChainBreak(reader.GetInt64(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
            }

            return breaks;
        }
    }

    /// <summary>One page of a kiosk's chain report (see <see cref="ChainReports.GetChainPageAsync"/>).</summary>
    public ChainPage GetChainPage(string site, string kiosk, int limit, long afterSeq = 0) =>
        this.GetChainPageAsync(site, kiosk, limit, afterSeq).GetAwaiter().GetResult();

    /// <summary>Records the retained status a kiosk published.</summary>
    public void SetStatus(KioskStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = """
                INSERT INTO kiosks(site_id, kiosk_id, state, version, status_at) VALUES ($site, $kiosk, $state, $version, $at)
                ON CONFLICT(site_id, kiosk_id) DO UPDATE SET state = excluded.state,
                    version = COALESCE(excluded.version, kiosks.version), status_at = excluded.status_at
                """;
            cmd.Parameters.AddWithValue("$site", status.SiteId);
            cmd.Parameters.AddWithValue("$kiosk", status.KioskId);
            cmd.Parameters.AddWithValue("$state", status.State);
            cmd.Parameters.AddWithValue("$version", (object?)status.Version ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$at", _time.GetUtcNow().ToUnixTimeMilliseconds());
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Writes a page of events, newest first, as <c>{"items":[...],"nextCursor":"…"}</c> with each item the exact
    /// payload the kiosk published. <c>nextCursor</c> is null on the last page.
    /// </summary>
    public void WriteEvents(Utf8JsonWriter writer, EventQuery query) => GetEvents(query).WriteTo(writer);

    /// <summary>One page of events matching <paramref name="query"/>, newest stored first.</summary>
    public EventPage GetEvents(EventQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder("SELECT id, payload FROM events WHERE 1 = 1");
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            void Filter(string clause, string name, object? value)
            {
                if (value is not null)
                {
                    sql.Append(" AND ").Append(clause);
                    cmd.Parameters.AddWithValue(name, value);
                }
            }

            Filter("site_id = $site", "$site", query.Site);
            Filter("kiosk_id = $kiosk", "$kiosk", query.Kiosk);
            Filter("subject = $subject", "$subject", query.Subject);
            Filter("decision = $decision", "$decision", query.Decision);
            Filter("occurred_at >= $from", "$from", query.From?.ToUnixTimeMilliseconds());
            Filter("occurred_at < $to", "$to", query.To?.ToUnixTimeMilliseconds());
            Filter("id < $cursor", "$cursor", query.Cursor);
            sql.Append(" ORDER BY id DESC LIMIT $limit");
            cmd.Parameters.AddWithValue("$limit", query.Limit + 1);
            cmd.CommandText = sql.ToString();

            using var reader = cmd.ExecuteReader();
            var items = new List<ReadOnlyMemory<byte>>();
            long? last = null;
            var more = false;
            while (reader.Read())
            {
                if (items.Count == query.Limit)
                {
                    more = true;
                    break;
                }

                last = reader.GetInt64(0);
                items.Add(reader.GetFieldValue<byte[]>(1));
            }

            return new EventPage(items, more ? last : null);
        }
    }

    /// <summary>Every kiosk heard of, with its status and what central holds of its journal.</summary>
    public IReadOnlyList<KioskSummary> GetKiosks()
    {
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = """
                WITH e AS (
                    SELECT site_id, kiosk_id, COUNT(*) AS n, COUNT(DISTINCT seq) AS distinct_seq, MAX(seq) AS last_seq,
                           MAX(occurred_at) AS last_at
                    FROM events GROUP BY site_id, kiosk_id),
                ids AS (SELECT site_id, kiosk_id FROM e UNION SELECT site_id, kiosk_id FROM kiosks
                        UNION SELECT site_id, kiosk_id FROM rejected WHERE site_id <> '')
                SELECT ids.site_id, ids.kiosk_id, k.state, k.version, k.status_at,
                       COALESCE(e.n, 0), COALESCE(e.last_seq, 0), e.last_at, COALESCE(e.last_seq - e.distinct_seq, 0),
                       (SELECT COUNT(*) FROM chain_breaks b WHERE b.site_id = ids.site_id AND b.kiosk_id = ids.kiosk_id),
                       EXISTS (SELECT 1 FROM events d WHERE d.site_id = ids.site_id AND d.kiosk_id = ids.kiosk_id AND d.lost_from IS NOT NULL),
                       (SELECT r.rejected FROM rejected r WHERE r.site_id = ids.site_id AND r.kiosk_id = ids.kiosk_id),
                       EXISTS (SELECT 1 FROM unrecoverable u WHERE u.site_id = ids.site_id AND u.kiosk_id = ids.kiosk_id)
                FROM ids
                LEFT JOIN kiosks k ON k.site_id = ids.site_id AND k.kiosk_id = ids.kiosk_id
                LEFT JOIN e ON e.site_id = ids.site_id AND e.kiosk_id = ids.kiosk_id
                ORDER BY ids.site_id, ids.kiosk_id
                """;
            var list = new List<KioskSummary>();
            var declaring = new List<int>();
            var marked = new List<int>();
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
                        reader.IsDBNull(4) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                        reader.GetInt64(5),
                        reader.GetInt64(6),
                        reader.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
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
                var lost = QueryRanges(list[i].SiteId, list[i].KioskId, int.MaxValue, DeclaredLostSql).Sum(r => r.To - r.From + 1);
                list[i] = list[i] with { Missing = list[i].Missing - lost, DeclaredLost = lost };
            }

            // So are kiosks with ranges they answered they cannot send: those move from missing to unrecoverable.
            foreach (var i in marked)
            {
                var rows = UnrecoverableRows(list[i].SiteId, list[i].KioskId);
                var lost = QueryRanges(list[i].SiteId, list[i].KioskId, int.MaxValue, UndeclaredRunsSql).Where(rows.Contains).Sum(r => r.To - r.From + 1);
                list[i] = list[i] with { Missing = list[i].Missing - lost, Unrecoverable = lost };
            }

            return list;
        }
    }

    public void Dispose() => _connection.Dispose();

    public Task<StoreResult> StoreAsync(IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> events, CancellationToken cancellationToken = default) =>
        Task.FromResult(Store(events));

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

    public Task MarkUnrecoverableAsync(string site, string kiosk, SeqRange range, CancellationToken cancellationToken = default)
    {
        MarkUnrecoverable(site, kiosk, range);
        return Task.CompletedTask;
    }

    private void Execute(string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
