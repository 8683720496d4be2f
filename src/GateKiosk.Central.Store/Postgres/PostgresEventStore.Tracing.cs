using Npgsql;

namespace GateKiosk.Central.Storage.Postgres;

// Contact tracing's reads and the audit trail.
public sealed partial class PostgresEventStore
{
    private const string PresenceColumns = "SELECT credential_kind, subject, site_id, kiosk_id, direction, occurred_at, time_source FROM events";

    // Only allowed entry events in or out, with a subject still held (retention sets it to NULL).
    private const string PresenceAllowed = "decision = 'allow' AND type = 'entry' AND direction IN ('in', 'out') AND credential_kind IS NOT NULL";

    public Task<IReadOnlyList<PresenceEvent>> GetPersonPresenceAsync(string kind, string subject, DateTimeOffset since, DateTimeOffset until, int max, CancellationToken cancellationToken = default)
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand(
            $"{PresenceColumns} WHERE subject = @subject AND occurred_at BETWEEN @from AND @to AND credential_kind = @kind AND {PresenceAllowed} ORDER BY occurred_at, id LIMIT @max",
            connection);
        cmd.Parameters.AddWithValue("subject", Text(subject));
        cmd.Parameters.AddWithValue("kind", Text(kind));
        return Task.FromResult<IReadOnlyList<PresenceEvent>>(ReadPresence(cmd, since, until, max));
    }

    public Task<IReadOnlyList<PresenceEvent>> GetSitePresenceAsync(string site, DateTimeOffset since, DateTimeOffset until, int max, CancellationToken cancellationToken = default)
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand(
            $"{PresenceColumns} WHERE site_id = @site AND occurred_at BETWEEN @from AND @to AND subject IS NOT NULL AND {PresenceAllowed} ORDER BY occurred_at, id LIMIT @max",
            connection);
        cmd.Parameters.AddWithValue("site", Text(site));
        return Task.FromResult<IReadOnlyList<PresenceEvent>>(ReadPresence(cmd, since, until, max));
    }

    public Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("INSERT INTO audit(at, actor, action, detail, address) VALUES (@at, @actor, @action, @detail, @address)", connection);
        cmd.Parameters.AddWithValue("address", record.Address is { } address ? Text(address) : DBNull.Value);
        cmd.Parameters.AddWithValue("at", record.At.ToUniversalTime());
        cmd.Parameters.AddWithValue("actor", Text(record.Actor));
        cmd.Parameters.AddWithValue("action", Text(record.Action));
        cmd.Parameters.AddWithValue("detail", Text(record.Detail));
        cmd.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditRecord>> GetAuditAsync(int max = 100, CancellationToken cancellationToken = default)
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT id, at, actor, action, detail, address FROM audit ORDER BY id DESC LIMIT @max", connection);
        cmd.Parameters.AddWithValue("max", (long)max);
        return Task.FromResult<IReadOnlyList<AuditRecord>>([.. ReadAudit(cmd).Select(e => e.Record)]);
    }

    public Task<AuditPage> GetAuditPageAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand(
            "SELECT id, at, actor, action, detail, address FROM audit WHERE (@actor::text IS NULL OR actor = @actor) AND (@action::text IS NULL OR action = @action) "
            + "AND (@cursor::bigint IS NULL OR id < @cursor) ORDER BY id DESC LIMIT @max",
            connection);
        cmd.Parameters.Add(new NpgsqlParameter("actor", NpgsqlTypes.NpgsqlDbType.Text) { Value = query.Actor is { } actor ? Text(actor) : DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("action", NpgsqlTypes.NpgsqlDbType.Text) { Value = query.Action is { } action ? Text(action) : DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("cursor", NpgsqlTypes.NpgsqlDbType.Bigint) { Value = query.Cursor is { } cursor ? cursor : DBNull.Value });
        cmd.Parameters.AddWithValue("max", (long)query.Limit + 1);
        var entries = ReadAudit(cmd);
        return Task.FromResult(entries.Count > query.Limit ? new AuditPage(entries[..query.Limit], entries[query.Limit - 1].Id) : new AuditPage(entries, null));
    }

    private static List<AuditEntry> ReadAudit(NpgsqlCommand cmd)
    {
        using var reader = cmd.ExecuteReader();
        var list = new List<AuditEntry>();
        while (reader.Read())
        {
            list.Add(new AuditEntry(
                reader.GetInt64(0),
                new AuditRecord(reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5))));
        }

        return list;
    }

    private static List<PresenceEvent> ReadPresence(NpgsqlCommand cmd, DateTimeOffset since, DateTimeOffset until, int max)
    {
        cmd.Parameters.AddWithValue("from", since.ToUniversalTime());
        cmd.Parameters.AddWithValue("to", until.ToUniversalTime());
        cmd.Parameters.AddWithValue("max", (long)max);
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
                reader.GetFieldValue<DateTimeOffset>(5),
                !reader.IsDBNull(6) && reader.GetString(6) == "none"));
        }

        return list;
    }
}
