using GateKiosk.Central.Storage;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.People;

/// <summary>
/// Which way a kiosk's door counts for presence. Kiosks record every scan as an entry (<c>in</c>) unless they have an
/// exit reader, so central is told per kiosk: <see cref="In"/> or <see cref="Out"/> decide for every allowed passage
/// there, <see cref="Both"/> keeps the direction the kiosk recorded (an entry and an exit reader on one kiosk).
/// A kiosk never set counts as <see cref="Both"/>.
/// </summary>
public static class DoorDirections
{
    public const string In = "in";
    public const string Out = "out";
    public const string Both = "both";

    public static readonly IReadOnlyList<string> All = [In, Out, Both];

    public static bool IsValid(string? direction) => direction is In or Out or Both;

    /// <summary>The direction an allowed passage recorded as <paramref name="recorded"/> counts as at a door set to <paramref name="door"/>.</summary>
    public static string Effective(string? door, string recorded) => door switch
    {
        In => In,
        Out => Out,
        _ => recorded,
    };
}

/// <summary>A kiosk's door direction and who set it when.</summary>
public sealed record KioskDoor(string SiteId, string KioskId, string Direction, string SetBy, DateTimeOffset SetAt);

/// <summary>Door directions per kiosk in central's database, the part <c>doors</c>.</summary>
internal sealed class KioskDoorStore : IDisposable
{
    public static readonly SchemaPart Part = new("doors",
    [
        ("door direction per kiosk", """
            CREATE TABLE kiosk_doors(
                site_id    TEXT    NOT NULL,
                kiosk_id   TEXT    NOT NULL,
                direction  TEXT    NOT NULL CHECK (direction IN ('in', 'out', 'both')),
                set_by     TEXT    NOT NULL,
                set_at     INTEGER NOT NULL,
                PRIMARY KEY (site_id, kiosk_id)
            );
            """),
    ]);

    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    public KioskDoorStore(string databasePath) => _connection = Part.Open(databasePath);

    /// <summary>Sets the direction of a kiosk's door.</summary>
    public void Set(string site, string kiosk, string direction, string by, DateTimeOffset at)
    {
        if (!DoorDirections.IsValid(direction))
        {
            throw new ArgumentException("direction must be in, out or both", nameof(direction));
        }

        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "INSERT INTO kiosk_doors(site_id, kiosk_id, direction, set_by, set_at) VALUES($s, $k, $d, $by, $at) "
                + "ON CONFLICT(site_id, kiosk_id) DO UPDATE SET direction = excluded.direction, set_by = excluded.set_by, set_at = excluded.set_at";
            cmd.Parameters.AddWithValue("$s", site);
            cmd.Parameters.AddWithValue("$k", kiosk);
            cmd.Parameters.AddWithValue("$d", direction);
            cmd.Parameters.AddWithValue("$by", by);
            cmd.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>The doors set at <paramref name="site"/>, by kiosk id.</summary>
    public IReadOnlyDictionary<string, KioskDoor> OfSite(string site)
    {
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT site_id, kiosk_id, direction, set_by, set_at FROM kiosk_doors WHERE site_id = $s";
            cmd.Parameters.AddWithValue("$s", site);
            using var r = cmd.ExecuteReader();
            var doors = new Dictionary<string, KioskDoor>(StringComparer.Ordinal);
            while (r.Read())
            {
                doors[r.GetString(1)] = new KioskDoor(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)));
            }

            return doors;
        }
    }

    public void Dispose() => _connection.Dispose();
}
