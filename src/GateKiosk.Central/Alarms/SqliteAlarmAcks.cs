using GateKiosk.Central.Storage;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Alarms;

/// <summary>Acknowledgements of alarms in central's database, the part <c>alarms</c>; one per alarm key, never changed.</summary>
internal sealed class SqliteAlarmAcks : IDisposable
{
    public static readonly SchemaPart Part = new("alarms",
    [
        ("alarm acknowledgements", """
            CREATE TABLE alarm_acks(
                key       TEXT    NOT NULL PRIMARY KEY,
                kind      TEXT    NOT NULL,
                site_id   TEXT    NOT NULL,
                kiosk_id  TEXT    NOT NULL,
                acked_by  TEXT    NOT NULL,
                acked_at  INTEGER NOT NULL
            );
            CREATE INDEX alarm_acks_site ON alarm_acks(site_id, kiosk_id);
            """),
    ]);

    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    public SqliteAlarmAcks(string databasePath) => _connection = Part.Open(databasePath);

    /// <summary>Records the acknowledgement of <paramref name="alarm"/>; false when it was acknowledged already.</summary>
    public bool Add(Alarm alarm, string by, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "INSERT INTO alarm_acks(key, kind, site_id, kiosk_id, acked_by, acked_at) VALUES($k, $kind, $s, $ki, $by, $at) ON CONFLICT(key) DO NOTHING";
            cmd.Parameters.AddWithValue("$k", alarm.Key);
            cmd.Parameters.AddWithValue("$kind", alarm.Kind);
            cmd.Parameters.AddWithValue("$s", alarm.SiteId);
            cmd.Parameters.AddWithValue("$ki", alarm.KioskId);
            cmd.Parameters.AddWithValue("$by", by);
            cmd.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            return cmd.ExecuteNonQuery() == 1;
        }
    }

    /// <summary>The acknowledgements of <paramref name="keys"/>, by key.</summary>
    public IReadOnlyDictionary<string, AlarmAck> Find(IReadOnlyCollection<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var found = new Dictionary<string, AlarmAck>(StringComparer.Ordinal);
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT key, acked_by, acked_at FROM alarm_acks WHERE key = $k";
            var parameter = cmd.Parameters.Add("$k", SqliteType.Text);
            foreach (var key in keys)
            {
                parameter.Value = key;
                using var r = cmd.ExecuteReader();
                if (r.Read())
                {
                    found[key] = new AlarmAck(r.GetString(0), r.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)));
                }
            }
        }

        return found;
    }

    public void Dispose() => _connection.Dispose();
}
