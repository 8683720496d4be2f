using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage.Migrations;

/// <summary>
/// The event log pages newest stored first (by id) under its filters: a site's, a door's and the denied events in id
/// order, so a page reads its 50 rows from the end of an index instead of sorting every match; the other filters'
/// columns ride along in the index, so rows that do not match are passed over without reading them. The audit trail records
/// the caller's network address (older lines have none), and the audit page lists lines by actor or by action.
/// </summary>
internal sealed class Migration006EventLog : IStoreMigration
{
    public int Version => 6;

    public string Name => "the event log's indexes by site, door and decision in id order; the audit trail's addresses, by actor and action";

    public void Apply(SqliteConnection connection, SqliteTransaction transaction) => StoreMigrator.Execute(connection, transaction, """
        CREATE INDEX events_site_id ON events(site_id, id, decision, reason, occurred_at);
        CREATE INDEX events_kiosk_id ON events(site_id, kiosk_id, id, decision, reason);
        CREATE INDEX events_decision_id ON events(decision, id, occurred_at, type);
        ALTER TABLE audit ADD COLUMN address TEXT;
        CREATE INDEX audit_actor ON audit(actor, id);
        CREATE INDEX audit_action ON audit(action, id);
        """);
}
