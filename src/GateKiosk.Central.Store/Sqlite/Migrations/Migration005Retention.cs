using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage.Migrations;

/// <summary>
/// Retention: when an event lost its personal fields (<c>redacted_at</c>), the events that still hold a subject by time
/// (what the purge takes, oldest first), and each site's daily count of distinct people, kept before the subjects go.
/// </summary>
internal sealed class Migration005Retention : IStoreMigration
{
    public int Version => 5;

    public string Name => "redacted events, personal events by time, daily distinct people";

    public void Apply(SqliteConnection connection, SqliteTransaction transaction) => StoreMigrator.Execute(connection, transaction, """
        ALTER TABLE events ADD COLUMN redacted_at INTEGER;
        CREATE INDEX events_personal_occurred ON events(occurred_at) WHERE subject IS NOT NULL;
        CREATE TABLE daily_people(
            site_id         TEXT    NOT NULL,
            date            TEXT    NOT NULL,
            distinct_people INTEGER NOT NULL,
            covered_id      INTEGER NOT NULL,
            PRIMARY KEY(site_id, date)
        );
        """);
}
