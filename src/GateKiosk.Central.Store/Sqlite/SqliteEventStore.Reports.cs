using System.Globalization;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

// The daily report's counts and retention.
public sealed partial class SqliteEventStore
{
    public Task<DailyCounts> GetDailyCountsAsync(string site, DateOnly day, DateTimeOffset dayStart, DateTimeOffset dayEnd, CancellationToken cancellationToken = default) =>
        Task.FromResult(_readers.Read(c => SqliteReports.Daily(c, null, site, day, dayStart, dayEnd)));

    public Task<IReadOnlyList<(string Site, DateTimeOffset Oldest)>> GetPersonalBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        Task.FromResult(_readers.Read<IReadOnlyList<(string, DateTimeOffset)>>(c =>
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT site_id, MIN(occurred_at) FROM events WHERE subject IS NOT NULL AND occurred_at < $cutoff GROUP BY site_id ORDER BY site_id";
            cmd.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
            using var reader = cmd.ExecuteReader();
            var list = new List<(string, DateTimeOffset)>();
            while (reader.Read())
            {
                list.Add((reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))));
            }

            return list;
        }));

    public Task<DateTimeOffset?> GetNextPersonalAsync(string site, DateTimeOffset since, DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        Task.FromResult(_readers.Read<DateTimeOffset?>(c =>
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT MIN(occurred_at) FROM events WHERE site_id = $site AND occurred_at >= $since AND occurred_at < $cutoff AND subject IS NOT NULL";
            cmd.Parameters.AddWithValue("$site", site);
            cmd.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
            return cmd.ExecuteScalar() is long at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null;
        }));

    public Task KeepDailyPeopleAsync(string site, DateOnly day, DateTimeOffset dayStart, DateTimeOffset dayEnd, CancellationToken cancellationToken = default) =>
        _writer.WriteAsync((connection, tx) =>
        {
            var key = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var covered = SqliteReports.Covered(connection, tx, site, key);
            using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = $"""
                INSERT INTO daily_people(site_id, date, distinct_people, covered_id)
                VALUES ($site, $date,
                        (SELECT COUNT(*) FROM (SELECT DISTINCT credential_kind, subject FROM events
                         WHERE site_id = $site AND occurred_at >= $start AND occurred_at < $end AND {SqliteReports.AllowedIn}
                           AND subject IS NOT NULL AND id > $covered)),
                        (SELECT COALESCE(MAX(id), 0) FROM events))
                ON CONFLICT(site_id, date) DO UPDATE SET
                    distinct_people = distinct_people + excluded.distinct_people, covered_id = excluded.covered_id
                """;
            cmd.Parameters.AddWithValue("$site", site);
            cmd.Parameters.AddWithValue("$date", key);
            cmd.Parameters.AddWithValue("$start", dayStart.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$end", dayEnd.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$covered", covered);
            return cmd.ExecuteNonQuery();
        });

    public Task<int> RedactBatchAsync(DateTimeOffset cutoff, int batch, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return _writer.WriteAsync((connection, tx) =>
        {
            var rows = new List<(long Id, byte[] Payload)>();
            using (var select = connection.CreateCommand())
            {
                select.Transaction = tx;
                select.CommandText = "SELECT id, payload FROM events INDEXED BY events_personal_occurred WHERE subject IS NOT NULL AND occurred_at < $cutoff ORDER BY occurred_at LIMIT $batch";
                select.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
                select.Parameters.AddWithValue("$batch", batch);
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    rows.Add((reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)));
                }
            }

            using var update = connection.CreateCommand();
            update.Transaction = tx;
            update.CommandText = "UPDATE events SET payload = $payload, subject = NULL, redacted_at = $now WHERE id = $id";
            var id = update.Parameters.Add("$id", SqliteType.Integer);
            var payload = update.Parameters.Add("$payload", SqliteType.Blob);
            update.Parameters.AddWithValue("$now", now);
            foreach (var row in rows)
            {
                id.Value = row.Id;
                payload.Value = EventRedaction.Redact(row.Payload);
                update.ExecuteNonQuery();
            }

            return rows.Count;
        });
    }

    public Task<int> DeleteQuarantineBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        _writer.WriteAsync((connection, tx) =>
        {
            using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "DELETE FROM quarantine WHERE received_at < $cutoff";
            cmd.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
            return cmd.ExecuteNonQuery();
        });
}

/// <summary>The daily report's counts, from the events by site and time and from the distinct people kept before retention.</summary>
internal static class SqliteReports
{
    public const string AllowedIn = "type = 'entry' AND decision = 'allow' AND direction = 'in'";

    public static long Covered(SqliteConnection connection, SqliteTransaction? tx, string site, string date)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT covered_id FROM daily_people WHERE site_id = $site AND date = $date";
        cmd.Parameters.AddWithValue("$site", site);
        cmd.Parameters.AddWithValue("$date", date);
        return cmd.ExecuteScalar() is long covered ? covered : 0;
    }

    public static DailyCounts Daily(SqliteConnection connection, SqliteTransaction? tx, string site, DateOnly day, DateTimeOffset dayStart, DateTimeOffset dayEnd)
    {
        var key = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.Parameters.AddWithValue("$site", site);
        cmd.Parameters.AddWithValue("$start", dayStart.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$end", dayEnd.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$date", key);
        const string Day = "site_id = $site AND occurred_at >= $start AND occurred_at < $end";

        cmd.CommandText = $"SELECT kiosk_id, COUNT(*) FROM events WHERE {Day} GROUP BY kiosk_id ORDER BY kiosk_id";
        var kiosks = Pairs(cmd);
        cmd.CommandText = $"SELECT COALESCE(reason, ''), COUNT(*) FROM events WHERE {Day} AND type = 'entry' AND decision = 'deny' GROUP BY 1 ORDER BY 1";
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
                first = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1));
                last = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2));
            }
        }

        cmd.CommandText = $"""
            SELECT COALESCE((SELECT distinct_people FROM daily_people WHERE site_id = $site AND date = $date), 0)
                 + (SELECT COUNT(*) FROM (SELECT DISTINCT credential_kind, subject FROM events
                    WHERE {Day} AND {AllowedIn} AND subject IS NOT NULL
                      AND id > COALESCE((SELECT covered_id FROM daily_people WHERE site_id = $site AND date = $date), 0)))
            """;
        var people = (long)cmd.ExecuteScalar()!;
        return new DailyCounts(allowed, denied, people, first, last, kiosks);
    }

    private static SortedDictionary<string, long> Pairs(SqliteCommand cmd)
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
