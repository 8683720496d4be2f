using System.Text;
using System.Text.Json;
using GateKiosk.Contracts;
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
            payload     TEXT    NOT NULL
        );
        CREATE INDEX IF NOT EXISTS events_kiosk_seq ON events(site_id, kiosk_id, seq);
        CREATE INDEX IF NOT EXISTS events_occurred ON events(occurred_at);
        CREATE INDEX IF NOT EXISTS events_subject ON events(subject);
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
                INSERT OR IGNORE INTO events(event_id, site_id, kiosk_id, seq, occurred_at, received_at, type, decision, reason, subject, payload)
                VALUES ($id, $site, $kiosk, $seq, $at, $received, $type, $decision, $reason, $subject, $payload)
                """;
            string[] names = ["$id", "$site", "$kiosk", "$seq", "$at", "$received", "$type", "$decision", "$reason", "$subject", "$payload"];
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
                added += cmd.ExecuteNonQuery();
            }

            tx.Commit();
            return added;
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
                       COALESCE(e.n, 0), COALESCE(e.last_seq, 0), e.last_at, COALESCE(e.last_seq - e.distinct_seq, 0)
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
                    reader.GetInt64(8)));
            }

            return list;
        }
    }

    public void Dispose() => _connection.Dispose();

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
public sealed record KioskSummary(
    string SiteId,
    string KioskId,
    string State,
    string? Version,
    DateTimeOffset? StatusAt,
    long Events,
    long LastSeq,
    DateTimeOffset? LastEventAt,
    long Missing);
