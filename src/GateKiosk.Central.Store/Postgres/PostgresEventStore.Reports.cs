using Npgsql;
using NpgsqlTypes;

namespace GateKiosk.Central.Storage.Postgres;

// The daily report's counts and retention.
public sealed partial class PostgresEventStore
{
    private const string AllowedIn = "type = 'entry' AND decision = 'allow' AND direction = 'in'";

    private const string Day = "site_id = @site AND occurred_at >= @start AND occurred_at < @end";

    public Task<DailyCounts> GetDailyCountsAsync(string site, DateOnly day, DateTimeOffset dayStart, DateTimeOffset dayEnd, CancellationToken cancellationToken = default)
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand { Connection = connection };
        cmd.Parameters.AddWithValue("site", Text(site));
        cmd.Parameters.AddWithValue("start", dayStart.ToUniversalTime());
        cmd.Parameters.AddWithValue("end", dayEnd.ToUniversalTime());
        cmd.Parameters.AddWithValue("date", day);

        cmd.CommandText = $"SELECT kiosk_id, COUNT(*) FROM events WHERE {Day} GROUP BY kiosk_id";
        var kiosks = Pairs(cmd);
        cmd.CommandText = $"SELECT COALESCE(reason, ''), COUNT(*) FROM events WHERE {Day} AND type = 'entry' AND decision = 'deny' GROUP BY 1";
        var denied = Pairs(cmd);

        long allowed;
        DateTimeOffset? first = null;
        DateTimeOffset? last = null;
        cmd.CommandText = $"SELECT COUNT(*), MIN(occurred_at), MAX(occurred_at) FROM events WHERE {Day} AND {AllowedIn}";
        using (var reader = cmd.ExecuteReader())
        {
            reader.Read();
            allowed = reader.GetInt64(0);
            if (!reader.IsDBNull(1))
            {
                first = reader.GetFieldValue<DateTimeOffset>(1);
                last = reader.GetFieldValue<DateTimeOffset>(2);
            }
        }

        cmd.CommandText = $"""
            SELECT COALESCE((SELECT distinct_people FROM daily_people WHERE site_id = @site AND date = @date), 0)
                 + (SELECT COUNT(*) FROM (SELECT DISTINCT credential_kind, subject FROM events
                    WHERE {Day} AND {AllowedIn} AND subject IS NOT NULL
                      AND id > COALESCE((SELECT covered_id FROM daily_people WHERE site_id = @site AND date = @date), 0)) p)
            """;
        var people = Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        return Task.FromResult(new DailyCounts(allowed, denied, people, first, last, kiosks));
    }

    public Task<IReadOnlyList<(string Site, DateTimeOffset Oldest)>> GetPersonalBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT site_id, MIN(occurred_at) FROM events WHERE subject IS NOT NULL AND occurred_at < @cutoff GROUP BY site_id ORDER BY site_id COLLATE \"C\"", connection);
        cmd.Parameters.AddWithValue("cutoff", cutoff.ToUniversalTime());
        using var reader = cmd.ExecuteReader();
        var list = new List<(string, DateTimeOffset)>();
        while (reader.Read())
        {
            list.Add((reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }

        return Task.FromResult<IReadOnlyList<(string, DateTimeOffset)>>(list);
    }

    public Task<DateTimeOffset?> GetNextPersonalAsync(string site, DateTimeOffset since, DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT MIN(occurred_at) FROM events WHERE site_id = @site AND occurred_at >= @since AND occurred_at < @cutoff AND subject IS NOT NULL", connection);
        cmd.Parameters.AddWithValue("site", Text(site));
        cmd.Parameters.AddWithValue("since", since.ToUniversalTime());
        cmd.Parameters.AddWithValue("cutoff", cutoff.ToUniversalTime());
        return Task.FromResult(cmd.ExecuteScalar() is DateTime at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : (DateTimeOffset?)null);
    }

    public Task KeepDailyPeopleAsync(string site, DateOnly day, DateTimeOffset dayStart, DateTimeOffset dayEnd, CancellationToken cancellationToken = default)
    {
        using var connection = _dataSource.OpenConnection();
        using var tx = connection.BeginTransaction();

        // One keeper at a time per site and day (two centrals purging side by side must not add the same people twice).
        using (var lockRow = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended(@site || '/' || @date::text, 0))", connection, tx))
        {
            lockRow.Parameters.AddWithValue("site", Text(site));
            lockRow.Parameters.AddWithValue("date", day);
            lockRow.ExecuteNonQuery();
        }

        using var cmd = new NpgsqlCommand($"""
            WITH prior AS (SELECT COALESCE((SELECT covered_id FROM daily_people WHERE site_id = @site AND date = @date), 0) AS covered)
            INSERT INTO daily_people(site_id, date, distinct_people, covered_id)
            SELECT @site, @date,
                   (SELECT COUNT(*) FROM (SELECT DISTINCT credential_kind, subject FROM events, prior
                    WHERE {Day} AND {AllowedIn} AND subject IS NOT NULL AND id > prior.covered) p),
                   (SELECT COALESCE(MAX(id), 0) FROM events)
            ON CONFLICT (site_id, date) DO UPDATE SET
                distinct_people = daily_people.distinct_people + excluded.distinct_people, covered_id = excluded.covered_id
            """, connection, tx);
        cmd.Parameters.AddWithValue("site", Text(site));
        cmd.Parameters.AddWithValue("date", day);
        cmd.Parameters.AddWithValue("start", dayStart.ToUniversalTime());
        cmd.Parameters.AddWithValue("end", dayEnd.ToUniversalTime());
        cmd.ExecuteNonQuery();
        tx.Commit();
        return Task.CompletedTask;
    }

    public Task<int> RedactBatchAsync(DateTimeOffset cutoff, int batch, CancellationToken cancellationToken = default)
    {
        using var connection = _dataSource.OpenConnection();
        using var tx = connection.BeginTransaction();
        var rows = new List<(long Id, byte[] Payload)>();
        using (var select = new NpgsqlCommand(
            "SELECT id, payload FROM events WHERE subject IS NOT NULL AND occurred_at < @cutoff ORDER BY occurred_at LIMIT @batch FOR UPDATE SKIP LOCKED", connection, tx))
        {
            select.Parameters.AddWithValue("cutoff", cutoff.ToUniversalTime());
            select.Parameters.AddWithValue("batch", (long)batch);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                rows.Add((reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)));
            }
        }

        if (rows.Count > 0)
        {
            using var update = new NpgsqlCommand("""
                UPDATE events e SET payload = r.payload, subject = NULL, redacted_at = @now
                FROM unnest(@ids, @payloads) AS r(id, payload) WHERE e.id = r.id
                """, connection, tx);
            update.Parameters.AddWithValue("ids", rows.Select(r => r.Id).ToArray());
            update.Parameters.Add(new NpgsqlParameter("payloads", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = rows.Select(r => EventRedaction.Redact(r.Payload)).ToArray() });
            update.Parameters.AddWithValue("now", _time.GetUtcNow());
            update.ExecuteNonQuery();
        }

        tx.Commit();
        return Task.FromResult(rows.Count);
    }

    public Task<int> DeleteQuarantineBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("DELETE FROM quarantine WHERE received_at < @cutoff", connection);
        cmd.Parameters.AddWithValue("cutoff", cutoff.ToUniversalTime());
        return Task.FromResult(cmd.ExecuteNonQuery());
    }

    private static SortedDictionary<string, long> Pairs(NpgsqlCommand cmd)
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            result[reader.GetString(0)] = reader.GetInt64(1);
        }

        return result;
    }
}
