using GateKiosk.Contracts;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

/// <summary>Rejected messages: kept aside within row and byte caps, and counted per kiosk within a cap on kiosks.</summary>
internal static class SqliteQuarantine
{
    /// <summary>Keeps <paramref name="message"/> aside and counts it, on the writer's transaction.</summary>
    public static int Add(SqliteConnection connection, SqliteTransaction tx, RejectedMessage message, long now, int maxRows, long maxBytes)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT INTO quarantine(received_at, topic, site_id, kiosk_id, reason, size, sha256, prefix)
            VALUES ($at, $topic, $site, $kiosk, $reason, $size, $sha, $prefix);
            DELETE FROM quarantine WHERE id <= (SELECT id FROM quarantine ORDER BY id DESC LIMIT 1 OFFSET $maxRows);
            DELETE FROM quarantine WHERE id <= (
                SELECT id FROM (SELECT id, SUM(length(prefix)) OVER (ORDER BY id DESC) AS total FROM quarantine)
                WHERE total > $maxBytes ORDER BY id DESC LIMIT 1);
            """;
        var topic = message.Topic;
        var prefix = message.Prefix.Span;
        cmd.Parameters.AddWithValue("$at", now);
        cmd.Parameters.AddWithValue("$topic", topic.Length > Topics.MaxTopicLength ? topic[..Topics.MaxTopicLength] : topic);
        cmd.Parameters.AddWithValue("$site", (object?)message.SiteId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$kiosk", (object?)message.KioskId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$reason", message.Reason);
        cmd.Parameters.AddWithValue("$size", message.Size);
        cmd.Parameters.AddWithValue("$sha", message.Sha256);
        cmd.Parameters.Add("$prefix", SqliteType.Blob).Value = prefix[..Math.Min(prefix.Length, StoreLimits.QuarantinePrefixBytes)].ToArray();
        cmd.Parameters.AddWithValue("$maxRows", maxRows);
        cmd.Parameters.AddWithValue("$maxBytes", maxBytes);
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
        cmd.Parameters.AddWithValue("$site", message.SiteId ?? "");
        cmd.Parameters.AddWithValue("$kiosk", message.KioskId ?? "");
        cmd.Parameters.AddWithValue("$reason", message.Reason);
        cmd.Parameters.AddWithValue("$at", now);
        cmd.Parameters.AddWithValue("$maxKiosks", StoreLimits.RejectedMaxKiosks);
        return cmd.ExecuteNonQuery();
    }

    public static long RejectedTotal(SqliteConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COALESCE(SUM(rejected), 0) FROM rejected";
        return (long)cmd.ExecuteScalar()!;
    }

    public static IReadOnlyList<QuarantinedMessage> Newest(SqliteConnection connection, int max)
    {
        using var cmd = connection.CreateCommand();
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
