using System.Text;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

/// <summary>
/// Pages of events for <c>GET /api/events</c> and the event log: newest first by when they happened, then by the order they were stored,
/// so the indexes on site and time, subject and time, and time alone give each page without sorting the filter's rows.
/// </summary>
internal static class SqliteEventQueries
{
    /// <summary>After the cursor's row in that order (the cursor is the id of the previous page's last row).</summary>
    private const string AfterCursor =
        "(occurred_at, id) < ((SELECT occurred_at FROM events WHERE id = $cursor), $cursor)";

    public static EventPage Page(SqliteConnection connection, EventQuery query)
    {
        using var cmd = Command(connection, query);
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

    /// <summary>The page's query (tests read its plan).</summary>
    internal static SqliteCommand Command(SqliteConnection connection, EventQuery query)
    {
        var sql = new StringBuilder("SELECT id, payload FROM events WHERE 1 = 1");
        var cmd = connection.CreateCommand();
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
        Filter("reason = $reason", "$reason", query.Reason);
        Filter("type = $type", "$type", query.Type);
        Filter(AfterCursor, "$cursor", query.Cursor);
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

        sql.Append(" ORDER BY occurred_at DESC, id DESC LIMIT $limit");
        cmd.Parameters.AddWithValue("$limit", query.Limit + 1);
        cmd.CommandText = sql.ToString();
        return cmd;
    }
}
