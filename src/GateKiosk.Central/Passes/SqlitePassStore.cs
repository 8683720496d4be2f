using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Passes;

/// <summary>A pass issued from the pages: who holds it, where and when it opens, its signed text, and any revocation.</summary>
/// <param name="Holder">The visitor's or staff member's name, for the printout; the pass itself carries only <paramref name="Subject"/>.</param>
public sealed record IssuedPass(
    long Id, string PassId, string Kind, string Subject, string Holder, string? Host, IReadOnlyList<string> Sites,
    DateTimeOffset NotBefore, DateTimeOffset Expires, bool SingleUse, string Code, string IssuedBy, DateTimeOffset IssuedAt,
    string? RevokedBy, DateTimeOffset? RevokedAt);

/// <summary>The register of issued passes in central's SQLite database (<see cref="PassSchema"/>).</summary>
internal sealed class SqlitePassStore : IDisposable
{
    private const string Columns = "id, pass_id, kind, subject, holder, host, sites, not_before, expires, single_use, code, issued_by, issued_at, revoked_by, revoked_at";

    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    public SqlitePassStore(string databasePath) => _connection = PassSchema.Part.Open(databasePath);

    /// <summary>Adds <paramref name="pass"/> (its id ignored); returns its id.</summary>
    public long Add(IssuedPass pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "INSERT INTO passes(pass_id, kind, subject, holder, host, sites, not_before, expires, single_use, code, issued_by, issued_at) "
                + "VALUES($p, $k, $s, $h, $host, $sites, $nb, $ex, $su, $code, $by, $at) RETURNING id";
            cmd.Parameters.AddWithValue("$p", pass.PassId);
            cmd.Parameters.AddWithValue("$k", pass.Kind);
            cmd.Parameters.AddWithValue("$s", pass.Subject);
            cmd.Parameters.AddWithValue("$h", pass.Holder);
            cmd.Parameters.AddWithValue("$host", (object?)pass.Host ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$sites", string.Join(',', pass.Sites));
            cmd.Parameters.AddWithValue("$nb", pass.NotBefore.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$ex", pass.Expires.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$su", pass.SingleUse ? 1 : 0);
            cmd.Parameters.AddWithValue("$code", pass.Code);
            cmd.Parameters.AddWithValue("$by", pass.IssuedBy);
            cmd.Parameters.AddWithValue("$at", pass.IssuedAt.ToUnixTimeMilliseconds());
            return (long)cmd.ExecuteScalar()!;
        }
    }

    /// <summary>Marks a pass revoked; false when it is unknown or was revoked already.</summary>
    public bool Revoke(long id, string by, DateTimeOffset at)
    {
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "UPDATE passes SET revoked_by = $by, revoked_at = $at WHERE id = $id AND revoked_at IS NULL";
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$by", by);
            cmd.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            return cmd.ExecuteNonQuery() == 1;
        }
    }

    public IssuedPass? Find(long id) => Many($"SELECT {Columns} FROM passes WHERE id = $id", id) is [var p, ..] ? p : null;

    public IssuedPass? FindByPassId(string passId)
    {
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT id FROM passes WHERE pass_id = $p";
            cmd.Parameters.AddWithValue("$p", passId);
            return cmd.ExecuteScalar() is long id ? Find(id) : null;
        }
    }

    /// <summary>The newest <paramref name="max"/> passes, newest first.</summary>
    public IReadOnlyList<IssuedPass> Latest(int max) => Many($"SELECT {Columns} FROM passes ORDER BY id DESC LIMIT $id", max);

    /// <summary>The pass ids (hex) of revoked passes that have not expired at <paramref name="now"/>.</summary>
    public IReadOnlyList<string> RevokedIds(DateTimeOffset now)
    {
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT pass_id FROM passes WHERE revoked_at IS NOT NULL AND expires > $now ORDER BY pass_id";
            cmd.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            using var reader = cmd.ExecuteReader();
            var list = new List<string>();
            while (reader.Read())
            {
                list.Add(reader.GetString(0));
            }

            return list;
        }
    }

    public void Dispose() => _connection.Dispose();

    private List<IssuedPass> Many(string sql, long value)
    {
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = sql;
            cmd.Parameters.AddWithValue("$id", value);
            using var r = cmd.ExecuteReader();
            var list = new List<IssuedPass>();
            while (r.Read())
            {
                list.Add(new IssuedPass(
                    r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5),
                    r.GetString(6).Split(',', StringSplitOptions.RemoveEmptyEntries),
                    DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8)), r.GetInt64(9) != 0,
                    r.GetString(10), r.GetString(11), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(12)),
                    r.IsDBNull(13) ? null : r.GetString(13), r.IsDBNull(14) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(14))));
            }

            return list;
        }
    }
}
