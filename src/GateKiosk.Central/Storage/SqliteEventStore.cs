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
public sealed class SqliteEventStore : IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS events(
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id    TEXT    NOT NULL UNIQUE,
            site_id     TEXT    NOT NULL,
            kiosk_id    TEXT    NOT NULL,
            seq         INTEGER NOT NULL,
            occurred_at INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            type        TEXT    NOT NULL,
            decision    TEXT,
            reason      TEXT,
            subject     TEXT,
            payload     TEXT    NOT NULL,
            hash        TEXT    NOT NULL,
            prev_hash   TEXT    NOT NULL,
            lost_from   INTEGER
        );
        CREATE INDEX IF NOT EXISTS events_kiosk_seq ON events(site_id, kiosk_id, seq);
        CREATE INDEX IF NOT EXISTS events_occurred ON events(occurred_at);
        CREATE INDEX IF NOT EXISTS events_subject ON events(subject);
        CREATE TABLE IF NOT EXISTS chain_breaks(
            site_id     TEXT    NOT NULL,
            kiosk_id    TEXT    NOT NULL,
            seq         INTEGER NOT NULL,
            kind        TEXT    NOT NULL,
            detected_at INTEGER NOT NULL,
            PRIMARY KEY(site_id, kiosk_id, seq, kind)
        );
        CREATE TABLE IF NOT EXISTS kiosks(
            site_id   TEXT NOT NULL,
            kiosk_id  TEXT NOT NULL,
            state     TEXT NOT NULL,
            version   TEXT,
            status_at INTEGER NOT NULL,
            PRIMARY KEY(site_id, kiosk_id)
        );
        """;

    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;

    public SqliteEventStore(string databasePath, TimeProvider time)
    {
        GateKiosk.Core.PrivateFiles.PrepareDatabase(databasePath);
        _time = time;
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;");
        Execute(Schema);
        if (!HasColumn("events", "hash"))
        {
            // A store from before chain checks: older events simply have no hash to compare.
            Execute("ALTER TABLE events ADD COLUMN hash TEXT NOT NULL DEFAULT ''; ALTER TABLE events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';");
        }

        if (!HasColumn("events", "lost_from"))
        {
            // A store from before declared losses: none of its events declares one.
            Execute("ALTER TABLE events ADD COLUMN lost_from INTEGER;");
        }

        // lost_from is set on the rare events that declare a loss (their range is lost_from .. seq - 1).
        Execute("CREATE INDEX IF NOT EXISTS events_lost ON events(site_id, kiosk_id, lost_from) WHERE lost_from IS NOT NULL;");
    }

    /// <summary>Stores <paramref name="entry"/> with its exact <paramref name="payload"/>; false when it was already stored.</summary>
    public bool Add(EntryEvent entry, string payload) => AddRange([(entry, payload)]) == 1;

    /// <summary>Stores events in one transaction; returns how many were new (the rest were already stored).</summary>
    public int AddRange(IReadOnlyList<(EntryEvent Entry, string Payload)> events)
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
            var p = names.Select(n => cmd.Parameters.Add(n, SqliteType.Text)).ToArray();
            var received = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var added = 0;
            foreach (var (entry, payload) in events)
            {
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
                p[10].Value = payload;
                var hash = EventChain.Hash(Encoding.UTF8.GetBytes(payload));
                p[11].Value = hash;
                p[12].Value = entry.PrevHash;
                var lostFrom = DeclaredLossFrom(entry);
                p[13].Value = (object?)lostFrom ?? DBNull.Value;
                if (cmd.ExecuteNonQuery() == 1)
                {
                    added++;
                    CheckChain(tx, entry, hash, lostFrom, received);
                }
            }

            tx.Commit();
            return added;
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

    /// <summary>
    /// Missing seq ranges of one kiosk (below its highest seq), oldest first, at most <paramref name="max"/>; seqs the
    /// kiosk declared lost are not gaps (see <see cref="GetDeclaredLost"/>).
    /// </summary>
    public IReadOnlyList<SeqRange> GetGaps(string site, string kiosk, int max = 100)
    {
        lock (_lock)
        {
            return QueryRanges(site, kiosk, max, MissingRunsSql + """
                SELECT first, MIN(last, COALESCE(declared, last + 1) - 1) FROM runs
                WHERE COALESCE(declared, last + 1) > first ORDER BY first LIMIT $max
                """);
        }
    }

    /// <summary>
    /// Seq ranges of one kiosk that central does not hold and that the kiosk declared lost (a journal that lost its newest
    /// events), oldest first, at most <paramref name="max"/>. They are never asked for again.
    /// </summary>
    public IReadOnlyList<SeqRange> GetDeclaredLost(string site, string kiosk, int max = 100)
    {
        lock (_lock)
        {
            return QueryRanges(site, kiosk, max, DeclaredLostSql);
        }
    }

    private const string DeclaredLostSql = MissingRunsSql + """
        SELECT MAX(first, declared), last FROM runs WHERE declared IS NOT NULL ORDER BY first LIMIT $max
        """;

    private List<SeqRange> QueryRanges(string site, string kiosk, int max, string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$site", site);
        cmd.Parameters.AddWithValue("$kiosk", kiosk);
        cmd.Parameters.AddWithValue("$max", max);
        using var reader = cmd.ExecuteReader();
        var ranges = new List<SeqRange>();
        while (reader.Read())
        {
            ranges.Add(new SeqRange(reader.GetInt64(0), reader.GetInt64(1)));
        }

        return ranges;
    }

    /// <summary>Breaks of one kiosk's hash chain, in seq order.</summary>
    public IReadOnlyList<ChainBreak> GetChainBreaks(string site, string kiosk)
    {
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT seq, kind, detected_at FROM chain_breaks WHERE site_id = $site AND kiosk_id = $kiosk ORDER BY seq, kind";
            cmd.Parameters.AddWithValue("$site", site);
            cmd.Parameters.AddWithValue("$kiosk", kiosk);
            using var reader = cmd.ExecuteReader();
            var breaks = new List<ChainBreak>();
            while (reader.Read())
            {
                breaks.Add(new ChainBreak(reader.GetInt64(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
            }

            return breaks;
        }
    }

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
    public void WriteEvents(Utf8JsonWriter writer, EventQuery query)
    {
        ArgumentNullException.ThrowIfNull(writer);
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
            writer.WriteStartObject();
            writer.WriteStartArray("items");
            long? last = null;
            var count = 0;
            var more = false;
            while (reader.Read())
            {
                if (count == query.Limit)
                {
                    more = true;
                    break;
                }

                last = reader.GetInt64(0);
                writer.WriteRawValue(reader.GetString(1), skipInputValidation: true);
                count++;
            }

            writer.WriteEndArray();
            if (more && last is { } cursor)
            {
                writer.WriteString("nextCursor", cursor.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                writer.WriteNull("nextCursor");
            }

            writer.WriteEndObject();
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
                ids AS (SELECT site_id, kiosk_id FROM e UNION SELECT site_id, kiosk_id FROM kiosks)
                SELECT ids.site_id, ids.kiosk_id, k.state, k.version, k.status_at,
                       COALESCE(e.n, 0), COALESCE(e.last_seq, 0), e.last_at, COALESCE(e.last_seq - e.distinct_seq, 0),
                       (SELECT COUNT(*) FROM chain_breaks b WHERE b.site_id = ids.site_id AND b.kiosk_id = ids.kiosk_id),
                       EXISTS (SELECT 1 FROM events d WHERE d.site_id = ids.site_id AND d.kiosk_id = ids.kiosk_id AND d.lost_from IS NOT NULL)
                FROM ids
                LEFT JOIN kiosks k ON k.site_id = ids.site_id AND k.kiosk_id = ids.kiosk_id
                LEFT JOIN e ON e.site_id = ids.site_id AND e.kiosk_id = ids.kiosk_id
                ORDER BY ids.site_id, ids.kiosk_id
                """;
            var list = new List<KioskSummary>();
            var declaring = new List<int>();
            using (var reader = cmd.ExecuteReader())
            {
                while (reader.Read())
                {
                    if (reader.GetBoolean(10))
                    {
                        declaring.Add(list.Count);
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
                        reader.GetInt64(9)));
                }
            }

            // Kiosks that declared losses are rare: their declared seqs move from missing to declared lost.
            foreach (var i in declaring)
            {
                var lost = QueryRanges(list[i].SiteId, list[i].KioskId, int.MaxValue, DeclaredLostSql).Sum(r => r.To - r.From + 1);
                list[i] = list[i] with { Missing = list[i].Missing - lost, DeclaredLost = lost };
            }

            return list;
        }
    }

    public void Dispose() => _connection.Dispose();

    private bool HasColumn(string table, string column)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = $column";
        cmd.Parameters.AddWithValue("$column", column);
        return (long)cmd.ExecuteScalar()! > 0;
    }

    private void Execute(string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}

/// <summary>Filters of <c>GET /api/events</c>.</summary>
public sealed record EventQuery(
    string? Site = null,
    string? Kiosk = null,
    string? Subject = null,
    string? Decision = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    int Limit = 100,
    long? Cursor = null);

/// <summary>One row of <c>GET /api/kiosks</c>.</summary>
/// <param name="Missing">Sequence numbers below <paramref name="LastSeq"/> that central does not hold and may still receive.</param>
/// <param name="ChainBreaks">Places where the hash chain does not hold (an edited, replaced or re-used event).</param>
/// <param name="DeclaredLost">Sequence numbers central does not hold that the kiosk declared lost (or never used).</param>
public sealed record KioskSummary(
    string SiteId,
    string KioskId,
    string State,
    string? Version,
    DateTimeOffset? StatusAt,
    long Events,
    long LastSeq,
    DateTimeOffset? LastEventAt,
    long Missing,
    long ChainBreaks = 0,
    long DeclaredLost = 0);

/// <summary>A range of sequence numbers, both ends included.</summary>
public sealed record SeqRange(long From, long To);

/// <summary>A place where a kiosk's hash chain does not hold.</summary>
/// <param name="Seq">The event whose link is broken.</param>
/// <param name="Kind">One of <see cref="ChainBreakKinds"/>.</param>
/// <param name="DetectedAt">When central noticed.</param>
public sealed record ChainBreak(long Seq, string Kind, DateTimeOffset DetectedAt);

/// <summary>Kinds of chain breaks.</summary>
public static class ChainBreakKinds
{
    /// <summary>The event's <c>prevHash</c> is not the hash of the event before it.</summary>
    public const string PrevHashMismatch = "prev-hash-mismatch";

    /// <summary>Two different events carry the same <c>seq</c>.</summary>
    public const string DuplicateSeq = "duplicate-seq";
}
