using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Declarations;

/// <summary>One stored declaration: the answers as given (personal data: health and admin roles only).</summary>
internal sealed record StoredDeclaration(long Id, string SiteId, DateTimeOffset SubmittedAt, string Subject, string Status, string PassId, string AnswersJson);

/// <summary>Sites, declarations and the web check-in chains in central's SQLite database (<see cref="DeclarationSchema"/>).</summary>
internal sealed class SqliteSiteStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    public SqliteSiteStore(string databasePath)
    {
        _connection = DeclarationSchema.Part.Open(databasePath);
    }

    /// <summary>Adds <paramref name="site"/>; false when its id is taken.</summary>
    public bool Add(Site site, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(site);
        lock (_lock)
        {
            using var insert = Command(
                "INSERT INTO sites(id, name, address, time_zone, form, created_at) VALUES($id, $n, $a, $tz, $f, $at) ON CONFLICT(id) DO NOTHING",
                ("$id", site.Id), ("$n", site.Name), ("$a", site.Address), ("$tz", site.TimeZone),
                ("$f", JsonSerializer.Serialize(site.Form, DeclarationJson.Default.DeclarationForm)), ("$at", at.ToUnixTimeMilliseconds()));
            return insert.ExecuteNonQuery() == 1;
        }
    }

    /// <summary>Sets the name, address and time zone of site <paramref name="id"/> (its form stays); false when there is no such site.</summary>
    public bool Update(string id, SiteDetails details)
    {
        ArgumentNullException.ThrowIfNull(details);
        lock (_lock)
        {
            using var update = Command(
                "UPDATE sites SET name = $n, address = $a, time_zone = $tz WHERE id = $id",
                ("$id", id), ("$n", details.Name), ("$a", details.Address), ("$tz", details.TimeZone));
            return update.ExecuteNonQuery() == 1;
        }
    }

    public Site? Find(string id) => Sites("SELECT id, name, address, time_zone, form FROM sites WHERE id = $id", ("$id", id)) is [var s, ..] ? s : null;

    public IReadOnlyList<Site> List() => Sites("SELECT id, name, address, time_zone, form FROM sites ORDER BY id");

    /// <summary>Stores one declaration; returns its id.</summary>
    public long AddDeclaration(string siteId, DateTimeOffset at, string subject, string status, string passId, string answersJson)
    {
        lock (_lock)
        {
            using var insert = Command(
                "INSERT INTO declarations(site_id, submitted_at, subject, status, pass_id, answers) VALUES($s, $at, $sub, $st, $p, $a) RETURNING id",
                ("$s", siteId), ("$at", at.ToUnixTimeMilliseconds()), ("$sub", subject), ("$st", status), ("$p", passId), ("$a", answersJson));
            return (long)insert.ExecuteScalar()!;
        }
    }

    /// <summary>Declarations submitted in [<paramref name="from"/>, <paramref name="to"/>), newest first, below <paramref name="beforeId"/>, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<StoredDeclaration> Declarations(string? siteId, DateTimeOffset from, DateTimeOffset to, long beforeId, int limit)
    {
        lock (_lock)
        {
            using var select = Command(
                "SELECT id, site_id, submitted_at, subject, status, pass_id, answers FROM declarations "
                + "WHERE ($s IS NULL OR site_id = $s) AND submitted_at >= $from AND submitted_at < $to AND id < $before ORDER BY id DESC LIMIT $limit",
                ("$s", siteId), ("$from", from.ToUnixTimeMilliseconds()), ("$to", to.ToUnixTimeMilliseconds()), ("$before", beforeId), ("$limit", limit));
            using var reader = select.ExecuteReader();
            var rows = new List<StoredDeclaration>();
            while (reader.Read())
            {
                rows.Add(new StoredDeclaration(
                    reader.GetInt64(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                    reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6)));
            }

            return rows;
        }
    }

    /// <summary>Deletes declarations submitted before <paramref name="before"/>; returns how many.</summary>
    public int DeleteDeclarationsBefore(DateTimeOffset before)
    {
        lock (_lock)
        {
            using var delete = Command("DELETE FROM declarations WHERE submitted_at < $before", ("$before", before.ToUnixTimeMilliseconds()));
            return delete.ExecuteNonQuery();
        }
    }

    /// <summary>The last seq and payload hash of a site's web check-ins; (0, null) before the first.</summary>
    public (long Seq, string? Hash) WebChain(string siteId)
    {
        lock (_lock)
        {
            using var select = Command("SELECT last_seq, last_hash FROM web_chains WHERE site_id = $s", ("$s", siteId));
            using var reader = select.ExecuteReader();
            return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : (0, null);
        }
    }

    public void SetWebChain(string siteId, long seq, string hash)
    {
        lock (_lock)
        {
            using var upsert = Command(
                "INSERT INTO web_chains(site_id, last_seq, last_hash) VALUES($s, $q, $h) ON CONFLICT(site_id) DO UPDATE SET last_seq = excluded.last_seq, last_hash = excluded.last_hash",
                ("$s", siteId), ("$q", seq), ("$h", hash));
            upsert.ExecuteNonQuery();
        }
    }

    public void Dispose() => _connection.Dispose();

    private List<Site> Sites(string sql, params (string Name, object? Value)[] parameters)
    {
        lock (_lock)
        {
            using var select = Command(sql, parameters);
            using var reader = select.ExecuteReader();
            var sites = new List<Site>();
            while (reader.Read())
            {
                var form = JsonSerializer.Deserialize(reader.GetString(4), DeclarationJson.Default.DeclarationForm) ?? DeclarationForm.Default;
                sites.Add(new Site(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), form));
            }

            return sites;
        }
    }

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
