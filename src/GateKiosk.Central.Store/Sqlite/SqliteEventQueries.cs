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
        Filter("occurred_at >= $from", "$from", query.From?.ToUnixTimeMilliseconds());
        Filter("occurred_at < $to", "$to", query.To?.ToUnixTimeMilliseconds());
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
}
