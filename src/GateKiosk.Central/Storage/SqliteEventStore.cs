using System.Text;
using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

/// <summary>
/// Central's event store in SQLite. Events are stored once by <c>eventId</c> (a resend is absorbed), with
/// the exact payload the kiosk published, so the hash chain can be checked later.
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
            prev_hash   TEXT    NOT NULL
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
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
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
                INSERT OR IGNORE INTO events(event_id, site_id, kiosk_id, seq, occurred_at, received_at, type, decision, reason, subject, payload, hash, prev_hash)
                VALUES ($id, $site, $kiosk, $seq, $at, $received, $type, $decision, $reason, $subject, $payload, $hash, $prev)
                """;
            string[] names = ["$id", "$site", "$kiosk", "$seq", "$at", "$received", "$type", "$decision", "$reason", "$subject", "$payload", "$hash", "$prev"];
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
                if (cmd.ExecuteNonQuery() == 1)
                {
                    added++;
                    CheckChain(tx, entry, hash, received);
                }
            }

            tx.Commit();
            return added;
        }
    }

    /// <summary>
    /// Checks a newly stored event against its neighbours: its predecessor's hash must be its <c>prevHash</c>, its
    /// successor's <c>prevHash</c> must be its hash, and no other event may carry its <c>seq</c>. Breaks are recorded.
    /// </summary>
    private void CheckChain(SqliteTransaction tx, EntryEvent entry, string hash, long detectedAt)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            SELECT
              (SELECT hash FROM events WHERE site_id = $site AND kiosk_id = $kiosk AND seq = $seq - 1 LIMIT 1),
              (SELECT prev_hash FROM events WHERE site_id = $site AND kiosk_id = $kiosk AND seq = $seq + 1 LIMIT 1),
              (SELECT COUNT(*) FROM events WHERE site_id = $site AND kiosk_id = $kiosk AND seq = $seq)
            """;
        cmd.Parameters.AddWithValue("$site", entry.SiteId);
        cmd.Parameters.AddWithValue("$kiosk", entry.KioskId);
        cmd.Parameters.AddWithValue("$seq", entry.Seq);
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

        if (entry.Seq == 1 && entry.PrevHash != EventChain.Genesis)
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

    /// <summary>Missing seq ranges of one kiosk (below its highest seq), oldest first, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<SeqRange> GetGaps(string site, string kiosk, int max = 100)
    {
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = """
                WITH s AS (SELECT DISTINCT seq FROM events WHERE site_id = $site AND kiosk_id = $kiosk),
                     n AS (SELECT seq, LAG(seq, 1, 0) OVER (ORDER BY seq) AS prev FROM s)
                SELECT prev + 1, seq - 1 FROM n WHERE seq > prev + 1 ORDER BY seq LIMIT $max
                """;
            cmd.Parameters.AddWithValue("$site", site);
            cmd.Parameters.AddWithValue("$kiosk", kiosk);
            cmd.Parameters.AddWithValue("$max", max);
            using var reader = cmd.ExecuteReader();
            var gaps = new List<SeqRange>();
            while (reader.Read())
            {
                gaps.Add(new SeqRange(reader.GetInt64(0), reader.GetInt64(1)));
            }

            return gaps;
        }
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
                       (SELECT COUNT(*) FROM chain_breaks b WHERE b.site_id = ids.site_id AND b.kiosk_id = ids.kiosk_id)
                FROM ids
                LEFT JOIN kiosks k ON k.site_id = ids.site_id AND k.kiosk_id = ids.kiosk_id
                LEFT JOIN e ON e.site_id = ids.site_id AND e.kiosk_id = ids.kiosk_id
                ORDER BY ids.site_id, ids.kiosk_id
                """;
            using var reader = cmd.ExecuteReader();
            var list = new List<KioskSummary>();
            while (reader.Read())
            {
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
/// <param name="Missing">Sequence numbers below <paramref name="LastSeq"/> that central does not hold.</param>
/// <param name="ChainBreaks">Places where the hash chain does not hold (an edited, replaced or re-used event).</param>
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
    long ChainBreaks = 0);

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
