using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

/// <summary>Reads of a kiosk's sequence: runs of missing seqs, declared and unrecoverable ranges, chain breaks.</summary>
internal static class SqliteChainQueries
{
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

    private const string UndeclaredRunsSql = MissingRunsSql + """
        SELECT first, MIN(last, COALESCE(declared, last + 1) - 1) FROM runs
        WHERE COALESCE(declared, last + 1) > first AND first > $after ORDER BY first LIMIT $max
        """;

    private const string DeclaredLostSql = MissingRunsSql + """
        SELECT MAX(first, declared), last FROM runs WHERE declared IS NOT NULL AND MAX(first, declared) > $after ORDER BY first LIMIT $max
        """;

    public static IReadOnlyList<SeqRange> Gaps(SqliteConnection connection, string site, string kiosk, int max, long afterSeq)
    {
        var unrecoverable = UnrecoverableRows(connection, site, kiosk);
        if (unrecoverable.Count == 0)
        {
            return Ranges(connection, site, kiosk, max, UndeclaredRunsSql, afterSeq);
        }

        // Marked ranges are few: read every undeclared run and take them out.
        return [.. Ranges(connection, site, kiosk, int.MaxValue, UndeclaredRunsSql, afterSeq).Where(r => !unrecoverable.Contains(r)).Take(max)];
    }

    public static IReadOnlyList<SeqRange> Unrecoverable(SqliteConnection connection, string site, string kiosk, int max, long afterSeq)
    {
        var unrecoverable = UnrecoverableRows(connection, site, kiosk);
        return unrecoverable.Count == 0
            ? []
            : [.. Ranges(connection, site, kiosk, int.MaxValue, UndeclaredRunsSql, afterSeq).Where(unrecoverable.Contains).Take(max)];
    }

    public static IReadOnlyList<SeqRange> DeclaredLost(SqliteConnection connection, string site, string kiosk, int max, long afterSeq) =>
        Ranges(connection, site, kiosk, max, DeclaredLostSql, afterSeq);

    /// <summary>Seqs of a kiosk that are declared lost, and those in ranges marked unrecoverable that are still missing.</summary>
    public static (long DeclaredLost, long Unrecoverable) LostCounts(SqliteConnection connection, string site, string kiosk, bool declares, bool marked) =>
        (declares ? DeclaredLost(connection, site, kiosk, int.MaxValue, 0).Sum(r => r.To - r.From + 1) : 0,
         marked ? Unrecoverable(connection, site, kiosk, int.MaxValue, 0).Sum(r => r.To - r.From + 1) : 0);

    public static IReadOnlyList<ChainBreak> Breaks(SqliteConnection connection, string site, string kiosk, int max, long afterSeq)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT seq, kind, detected_at FROM chain_breaks WHERE site_id = $site AND kiosk_id = $kiosk AND seq > $after ORDER BY seq, kind LIMIT $max";
        cmd.Parameters.AddWithValue("$site", site);
        cmd.Parameters.AddWithValue("$kiosk", kiosk);
        cmd.Parameters.AddWithValue("$after", afterSeq);
        cmd.Parameters.AddWithValue("$max", max);
        using var reader = cmd.ExecuteReader();
        var breaks = new List<ChainBreak>();
        while (reader.Read())
        {
            breaks.Add(new ChainBreak(reader.GetInt64(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }

        return breaks;
    }

    /// <summary>Marks a range unrecoverable, on the writer's transaction.</summary>
    public static int MarkUnrecoverable(SqliteConnection connection, SqliteTransaction tx, string site, string kiosk, SeqRange range, long at)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT OR IGNORE INTO unrecoverable(site_id, kiosk_id, from_seq, to_seq, marked_at) VALUES ($site, $kiosk, $from, $to, $at)";
        cmd.Parameters.AddWithValue("$site", site);
        cmd.Parameters.AddWithValue("$kiosk", kiosk);
        cmd.Parameters.AddWithValue("$from", range.From);
        cmd.Parameters.AddWithValue("$to", range.To);
        cmd.Parameters.AddWithValue("$at", at);
        return cmd.ExecuteNonQuery();
    }

    private static HashSet<SeqRange> UnrecoverableRows(SqliteConnection connection, string site, string kiosk)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT from_seq, to_seq FROM unrecoverable WHERE site_id = $site AND kiosk_id = $kiosk";
        cmd.Parameters.AddWithValue("$site", site);
        cmd.Parameters.AddWithValue("$kiosk", kiosk);
        using var reader = cmd.ExecuteReader();
        var set = new HashSet<SeqRange>();
        while (reader.Read())
        {
            set.Add(new SeqRange(reader.GetInt64(0), reader.GetInt64(1)));
        }

        return set;
    }

    private static List<SeqRange> Ranges(SqliteConnection connection, string site, string kiosk, int max, string sql, long afterSeq)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$site", site);
        cmd.Parameters.AddWithValue("$kiosk", kiosk);
        cmd.Parameters.AddWithValue("$max", max);
        cmd.Parameters.AddWithValue("$after", afterSeq);
        using var reader = cmd.ExecuteReader();
        var ranges = new List<SeqRange>();
        while (reader.Read())
        {
            ranges.Add(new SeqRange(reader.GetInt64(0), reader.GetInt64(1)));
        }

        return ranges;
    }
}
