using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Policy;

/// <summary>The last bundle published for a site: its version, when, the hash of what it says, and its signed bytes.</summary>
internal sealed record PublishedPolicy(string SiteId, long Version, DateTimeOffset IssuedAt, byte[] ContentHash, byte[] Bundle);

/// <summary>
/// The last published bundle of each site in central.db. The version of the next bundle comes from here, so versions
/// keep growing across restarts, and a restart that finds nothing changed publishes the same bundle again.
/// </summary>
internal sealed class PublishedPolicyStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    public PublishedPolicyStore(string databasePath)
    {
        _connection = PolicySchema.Part.Open(databasePath);
    }

    public IReadOnlyList<PublishedPolicy> List()
    {
        lock (_lock)
        {
            using var select = _connection.CreateCommand();
            select.CommandText = "SELECT site_id, version, issued_at, content_hash, bundle FROM policy_versions ORDER BY site_id";
            using var reader = select.ExecuteReader();
            var rows = new List<PublishedPolicy>();
            while (reader.Read())
            {
                rows.Add(new PublishedPolicy(reader.GetString(0), reader.GetInt64(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), (byte[])reader[3], (byte[])reader[4]));
            }

            return rows;
        }
    }

    public void Save(PublishedPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (_lock)
        {
            using var upsert = _connection.CreateCommand();
            upsert.CommandText = """
                INSERT INTO policy_versions(site_id, version, issued_at, content_hash, bundle) VALUES($s, $v, $at, $h, $b)
                ON CONFLICT(site_id) DO UPDATE SET version = excluded.version, issued_at = excluded.issued_at, content_hash = excluded.content_hash, bundle = excluded.bundle
                """;
            upsert.Parameters.AddWithValue("$s", policy.SiteId);
            upsert.Parameters.AddWithValue("$v", policy.Version);
            upsert.Parameters.AddWithValue("$at", policy.IssuedAt.ToUnixTimeMilliseconds());
            upsert.Parameters.AddWithValue("$h", policy.ContentHash);
            upsert.Parameters.AddWithValue("$b", policy.Bundle);
            upsert.ExecuteNonQuery();
        }
    }

    public void Dispose() => _connection.Dispose();
}
