using System.Globalization;
using System.Text;
using GateKiosk.Core.Journaling;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Benchmarks;

/// <summary>
/// Writes synthetic entries straight into a SQLite store's <c>events</c> table, with all its indexes, committing every
/// 100,000 rows (the store's own ingest is measured by the load test and the drain benchmark, not here). Each row is an
/// allowed or denied badge entry with a payload shaped like a kiosk's and its place in the kiosk's hash chain (the
/// payload does not carry prevHash, so the chain is for the store's size, not for verifying).
/// </summary>
internal sealed class EventTableLoader : IDisposable
{
    private const int RowsPerCommit = 100_000;

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly Dictionary<string, SqliteParameter> _p;
    private readonly Dictionary<(string, string), (long Seq, string Hash)> _chains = [];
    private SqliteTransaction _tx;

    public EventTableLoader(string path)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        using (var pragma = _connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;";
            pragma.ExecuteNonQuery();
        }

        _insert = _connection.CreateCommand();
        _insert.CommandText = """
            INSERT INTO events(event_id, site_id, kiosk_id, seq, occurred_at, received_at, type, decision, reason, subject, payload, hash, prev_hash, direction, credential_kind, time_source)
            VALUES ($id, $site, $kiosk, $seq, $at, $at, 'entry', $decision, $reason, $subject, $payload, $hash, $prev, $direction, 'badge', 'ntp')
            """;
        string[] names = ["$id", "$site", "$kiosk", "$seq", "$at", "$decision", "$reason", "$subject", "$payload", "$direction", "$hash", "$prev"];
        _p = names.ToDictionary(n => n, n => _insert.Parameters.Add(n, n == "$payload" ? SqliteType.Blob : SqliteType.Text));
        _tx = _connection.BeginTransaction();
        _insert.Transaction = _tx;
    }

    /// <summary>Rows written so far.</summary>
    public long Written { get; private set; }

    /// <summary>Writes one entry of <paramref name="subject"/> at <paramref name="siteId"/>/<paramref name="kioskId"/>, the kiosk's next seq.</summary>
    public void Write(string siteId, string kioskId, string subject, DateTimeOffset at, string direction, bool allow)
    {
        var (last, prev) = _chains.TryGetValue((siteId, kioskId), out var chain) ? chain : (0, EventChain.Genesis);
        var seq = last + 1;
        var decision = allow ? "allow" : "deny";
        _p["$id"].Value = Guid.CreateVersion7(at).ToString();
        _p["$site"].Value = siteId;
        _p["$kiosk"].Value = kioskId;
        _p["$seq"].Value = seq;
        _p["$at"].Value = at.ToUnixTimeMilliseconds();
        _p["$decision"].Value = decision;
        _p["$reason"].Value = allow ? "valid" : "expired";
        _p["$subject"].Value = subject;
        _p["$direction"].Value = direction;
        var time = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        _p["$payload"].Value = Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"schemaVersion\":1,\"kioskId\":\"{kioskId}\",\"siteId\":\"{siteId}\",\"seq\":{seq},\"occurredAt\":\"{time}\",\"timeSource\":\"ntp\",\"type\":\"entry\",\"direction\":\"{direction}\",\"decision\":\"{decision}\",\"credential\":{{\"kind\":\"badge\",\"issuer\":\"allowlist\",\"subjectId\":\"{subject}\"}}}}"));
        var hash = EventChain.Hash((byte[])_p["$payload"].Value!);
        _p["$hash"].Value = hash;
        _p["$prev"].Value = prev;
        _chains[(siteId, kioskId)] = (seq, hash);
        _insert.ExecuteNonQuery();
        if (++Written % RowsPerCommit == 0)
        {
            _tx.Commit();
            _tx.Dispose();
            _tx = _connection.BeginTransaction();
            _insert.Transaction = _tx;
        }
    }

    /// <summary>Commits the last rows and checkpoints the WAL into the database file.</summary>
    public void Dispose()
    {
        _tx.Commit();
        _tx.Dispose();
        using (var checkpoint = _connection.CreateCommand())
        {
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            checkpoint.ExecuteNonQuery();
        }

        _insert.Dispose();
        _connection.Dispose();
    }
}
