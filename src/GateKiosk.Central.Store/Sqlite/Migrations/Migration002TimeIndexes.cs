using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage.Migrations;

/// <summary>
/// Indexes for what managers ask of the store: a site's events in a time window, one subject's events over a day (the
/// subject-only index becomes redundant and goes), and a kiosk's events by seq (already there since the first schema).
/// </summary>
internal sealed class Migration002TimeIndexes : IStoreMigration
{
    public int Version => 2;

    public string Name => "indexes by site and time and by subject and time";

    public void Apply(SqliteConnection connection, SqliteTransaction transaction) => StoreMigrator.Execute(connection, transaction, """
        CREATE INDEX IF NOT EXISTS events_site_occurred ON events(site_id, occurred_at);
        CREATE INDEX IF NOT EXISTS events_subject_occurred ON events(subject, occurred_at) WHERE subject IS NOT NULL;
        DROP INDEX IF EXISTS events_subject;
        """);
}
