using GateKiosk.Contracts;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

/// <summary>Kiosk summaries and statuses: read from the summary table the writer keeps, never counted from the events.</summary>
internal static class SqliteKioskQueries
{
    public static IReadOnlyList<KioskSummary> Kiosks(SqliteConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = """
            WITH ids AS (SELECT site_id, kiosk_id FROM kiosk_summaries UNION SELECT site_id, kiosk_id FROM kiosks
                         UNION SELECT site_id, kiosk_id FROM rejected WHERE site_id <> '')
            SELECT ids.site_id, ids.kiosk_id, k.state, k.version, k.status_at,
                   COALESCE(s.events, 0), COALESCE(s.last_seq, 0), s.last_event_at, COALESCE(s.last_seq - s.seqs, 0),
                   COALESCE(s.chain_breaks, 0), COALESCE(s.declares_loss, 0), r.rejected,
                   EXISTS (SELECT 1 FROM unrecoverable u WHERE u.site_id = ids.site_id AND u.kiosk_id = ids.kiosk_id)
            FROM ids
            LEFT JOIN kiosks k ON k.site_id = ids.site_id AND k.kiosk_id = ids.kiosk_id
            LEFT JOIN kiosk_summaries s ON s.site_id = ids.site_id AND s.kiosk_id = ids.kiosk_id
            LEFT JOIN rejected r ON r.site_id = ids.site_id AND r.kiosk_id = ids.kiosk_id
            ORDER BY ids.site_id, ids.kiosk_id
            """;
        var list = new List<KioskSummary>();
        var rare = new List<(int Index, bool Declares, bool Marked)>();
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                var declares = reader.GetInt64(10) != 0;
                var marked = reader.GetBoolean(12);
                if (declares || marked)
                {
                    rare.Add((list.Count, declares, marked));
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

        // Kiosks that declared losses, or have ranges they answered they cannot send, are rare: for those alone the missing
        // seqs are split by reading the kiosk's own runs.
        foreach (var (i, declares, marked) in rare)
        {
            var (declared, unrecoverable) = SqliteChainQueries.LostCounts(connection, list[i].SiteId, list[i].KioskId, declares, marked);
            list[i] = list[i] with { Missing = list[i].Missing - declared - unrecoverable, DeclaredLost = declared, Unrecoverable = unrecoverable };
        }

        return list;
    }

    public static KioskLatest? Latest(SqliteConnection connection, string site, string kiosk)
    {
        var cmd = connection.Prepared(
            null, "SELECT last_seq, last_seq_received_at FROM kiosk_summaries WHERE site_id = $site AND kiosk_id = $kiosk AND events > 0", ["$site", "$kiosk"]);
        cmd.Parameters[0].Value = site;
        cmd.Parameters[1].Value = kiosk;
        using var reader = cmd.ExecuteReader();
        return reader.Read() ? new KioskLatest(reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))) : null;
    }

    /// <summary>Records a kiosk's retained status, on the writer's transaction.</summary>
    public static int SetStatus(SqliteConnection connection, SqliteTransaction tx, KioskStatus status, long at)
    {
        var cmd = connection.Prepared(tx, """
            INSERT INTO kiosks(site_id, kiosk_id, state, version, status_at) VALUES ($site, $kiosk, $state, $version, $at)
            ON CONFLICT(site_id, kiosk_id) DO UPDATE SET state = excluded.state,
                version = COALESCE(excluded.version, kiosks.version), status_at = excluded.status_at
            """);
        cmd.Parameters.AddWithValue("$site", status.SiteId);
        cmd.Parameters.AddWithValue("$kiosk", status.KioskId);
        cmd.Parameters.AddWithValue("$state", status.State);
        cmd.Parameters.AddWithValue("$version", (object?)status.Version ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$at", at);
        return cmd.ExecuteNonQuery();
    }
}
