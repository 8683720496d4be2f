using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage.Migrations;

/// <summary>
/// The event log pages newest first by when events happened: a door's events by time (a site's, a person's and all
/// events already have their time indexes), so a page reads its rows from the end of an index instead of sorting every
/// match. The audit trail records the caller's network address (older lines have none), and the audit page lists lines
/// by actor or by action.
/// </summary>
internal sealed class Migration006EventLog : IStoreMigration
{
    public int Version => 6;

    public string Name => "the event log's index by door and time; the audit trail's addresses, by actor and action";

    public void Apply(SqliteConnection connection, SqliteTransaction transaction) => StoreMigrator.Execute(connection, transaction, """
        CREATE INDEX events_kiosk_occurred ON events(site_id, kiosk_id, occurred_at);
        ALTER TABLE audit ADD COLUMN address TEXT;
        CREATE INDEX audit_actor ON audit(actor, id);
        CREATE INDEX audit_action ON audit(action, id);
        """);
}
