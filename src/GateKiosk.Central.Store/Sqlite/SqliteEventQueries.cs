using System.Text;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

/// <summary>Pages of events for <c>GET /api/events</c> and the event log, newest stored first, by the indexes on site, subject and kiosk.</summary>
internal static class SqliteEventQueries
{
    public static EventPage Page(SqliteConnection connection, EventQuery query)
    {
        var sql = new StringBuilder("SELECT id, payload FROM events WHERE 1 = 1");
        using var cmd = connection.CreateCommand();
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
        // With a site, its index in id order (which carries occurred_at) answers a time window too: walking it newest
        // first passes over other times without reading rows, where the index by site and time would read and sort
        // every event of the window. The unary + keeps SQLite from choosing the latter.
        // Without a site or a person, a window is first turned into the range of ids it holds (read from the index by
        // time alone), and the page walks ids newest first within it: no sort of the whole window for each page.
        var time = "+occurred_at";
        if ((query.From is not null || query.To is not null) && query.Site is null && query.Subject is null)
        {
            if (IdRange(connection, query) is not { } ids)
            {
                return new EventPage([], null);
            }

            Filter("id >= $minId", "$minId", ids.Min);
            Filter("id <= $maxId", "$maxId", ids.Max);
        }
        else if (query.Site is null)
        {
            time = "occurred_at";
        }

        Filter(time + " >= $from", "$from", query.From?.ToUnixTimeMilliseconds());
        Filter(time + " < $to", "$to", query.To?.ToUnixTimeMilliseconds());
        Filter("reason = $reason", "$reason", query.Reason);
        Filter("type = $type", "$type", query.Type);
        Filter("id < $cursor", "$cursor", query.Cursor);
        if (query.Sites is { } sites)
        {
            sql.Append(" AND site_id IN (");
            for (var i = 0; i < sites.Count; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append("$s").Append(i);
                cmd.Parameters.AddWithValue("$s" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), sites[i]);
            }

            // No site at all matches nothing: IN () is not SQL.
            sql.Append(sites.Count == 0 ? "NULL)" : ")");
        }

        sql.Append(" ORDER BY id DESC LIMIT $limit");
        cmd.Parameters.AddWithValue("$limit", query.Limit + 1);
        cmd.CommandText = sql.ToString();

        using var reader = cmd.ExecuteReader();
        var items = new List<ReadOnlyMemory<byte>>();
        long? last = null;
        var more = false;
        while (reader.Read())
        {
            if (items.Count == query.Limit)
            {
                more = true;
                break;
            }

            last = reader.GetInt64(0);
            items.Add(reader.GetFieldValue<byte[]>(1));
        }

        return new EventPage(items, more ? last : null);
    }

    /// <summary>The lowest and highest id of the events in the query's window; null when it holds none.</summary>
    private static (long Min, long Max)? IdRange(SqliteConnection connection, EventQuery query)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT MIN(id), MAX(id) FROM events INDEXED BY events_occurred WHERE occurred_at >= $from AND occurred_at < $to";
        cmd.Parameters.AddWithValue("$from", query.From?.ToUnixTimeMilliseconds() ?? long.MinValue);
        cmd.Parameters.AddWithValue("$to", query.To?.ToUnixTimeMilliseconds() ?? long.MaxValue);
        using var reader = cmd.ExecuteReader();
        return reader.Read() && !reader.IsDBNull(0) ? (reader.GetInt64(0), reader.GetInt64(1)) : null;
    }
}
