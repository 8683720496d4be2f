using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

// Contact tracing's reads and the audit trail.
public sealed partial class SqliteEventStore
{
    public Task<IReadOnlyList<PresenceEvent>> GetPersonPresenceAsync(string kind, string subject, DateTimeOffset since, DateTimeOffset until, int max, CancellationToken cancellationToken = default) =>
        Task.FromResult(_readers.Read(c => SqliteTracingQueries.Person(c, kind, subject, since, until, max)));

    public Task<IReadOnlyList<PresenceEvent>> GetSitePresenceAsync(string site, DateTimeOffset since, DateTimeOffset until, int max, CancellationToken cancellationToken = default) =>
        Task.FromResult(_readers.Read(c => SqliteTracingQueries.Site(c, site, since, until, max)));

    public Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return _writer.WriteAsync((connection, tx) =>
        {
            using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO audit(at, actor, action, detail, address) VALUES ($at, $actor, $action, $detail, $address)";
            cmd.Parameters.AddWithValue("$address", (object?)record.Address ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$at", record.At.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$actor", record.Actor);
            cmd.Parameters.AddWithValue("$action", record.Action);
            cmd.Parameters.AddWithValue("$detail", record.Detail);
            return cmd.ExecuteNonQuery();
        });
    }

    public Task<IReadOnlyList<AuditRecord>> GetAuditAsync(int max = 100, CancellationToken cancellationToken = default) =>
        Task.FromResult(_readers.Read<IReadOnlyList<AuditRecord>>(c =>
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT id, at, actor, action, detail, address FROM audit ORDER BY id DESC LIMIT $max";
            cmd.Parameters.AddWithValue("$max", max);
            return [.. ReadAudit(cmd).Select(e => e.Record)];
        }));

    public Task<AuditPage> GetAuditPageAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Task.FromResult(_readers.Read(c =>
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT id, at, actor, action, detail, address FROM audit WHERE ($actor IS NULL OR actor = $actor) AND ($action IS NULL OR action = $action) "
                + "AND ($cursor IS NULL OR id < $cursor) ORDER BY id DESC LIMIT $max";
            cmd.Parameters.AddWithValue("$actor", (object?)query.Actor ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$action", (object?)query.Action ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$cursor", (object?)query.Cursor ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$max", query.Limit + 1);
            var entries = ReadAudit(cmd);
            return entries.Count > query.Limit ? new AuditPage(entries[..query.Limit], entries[query.Limit - 1].Id) : new AuditPage(entries, null);
        }));
    }

    private static List<AuditEntry> ReadAudit(SqliteCommand cmd)
    {
        using var reader = cmd.ExecuteReader();
        var list = new List<AuditEntry>();
        while (reader.Read())
        {
            list.Add(new AuditEntry(
                reader.GetInt64(0),
                new AuditRecord(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5))));
        }

        return list;
    }
}

/// <summary>Allowed entries and exits by person (index on subject and time) or by site (index on site and time).</summary>
internal static class SqliteTracingQueries
{
    private const string Columns = "SELECT credential_kind, subject, site_id, kiosk_id, direction, occurred_at, time_source FROM events";

    // Only allowed entry events in or out, with a subject still held (retention sets it to NULL).
    private const string Allowed = "decision = 'allow' AND type = 'entry' AND direction IN ('in', 'out') AND credential_kind IS NOT NULL";

    public static IReadOnlyList<PresenceEvent> Person(SqliteConnection connection, string kind, string subject, DateTimeOffset since, DateTimeOffset until, int max)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"{Columns} WHERE subject IS NOT NULL AND subject = $subject AND occurred_at BETWEEN $from AND $to AND credential_kind = $kind AND {Allowed} ORDER BY occurred_at, id LIMIT $max";
        cmd.Parameters.AddWithValue("$subject", subject);
        cmd.Parameters.AddWithValue("$kind", kind);
        return Read(cmd, since, until, max);
    }

    public static IReadOnlyList<PresenceEvent> Site(SqliteConnection connection, string site, DateTimeOffset since, DateTimeOffset until, int max)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"{Columns} INDEXED BY events_site_occurred WHERE site_id = $site AND occurred_at BETWEEN $from AND $to AND subject IS NOT NULL AND {Allowed} ORDER BY occurred_at, id LIMIT $max";
        cmd.Parameters.AddWithValue("$site", site);
        return Read(cmd, since, until, max);
    }

    private static List<PresenceEvent> Read(SqliteCommand cmd, DateTimeOffset since, DateTimeOffset until, int max)
    {
        cmd.Parameters.AddWithValue("$from", since.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$to", until.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$max", max);
        using var reader = cmd.ExecuteReader();
        var list = new List<PresenceEvent>();
        while (reader.Read())
        {
            list.Add(new PresenceEvent(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                !reader.IsDBNull(6) && reader.GetString(6) == "none"));
        }

        return list;
    }
}
