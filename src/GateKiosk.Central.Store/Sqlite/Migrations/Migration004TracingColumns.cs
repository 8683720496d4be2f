using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage.Migrations;

/// <summary>
/// What contact tracing and the daily report read without parsing payloads: each event's <c>direction</c>, credential
/// kind and time source (filled from the payloads already held), and the append-only audit trail of who asked what.
/// </summary>
internal sealed class Migration004TracingColumns : IStoreMigration
{
    public int Version => 4;

    public string Name => "events' direction, credential kind and time source; the audit trail";

    public void Apply(SqliteConnection connection, SqliteTransaction transaction) => StoreMigrator.Execute(connection, transaction, """
        ALTER TABLE events ADD COLUMN direction TEXT;
        ALTER TABLE events ADD COLUMN credential_kind TEXT;
        ALTER TABLE events ADD COLUMN time_source TEXT;
        UPDATE events SET
            direction = json_extract(CAST(payload AS TEXT), '$.direction'),
            credential_kind = json_extract(CAST(payload AS TEXT), '$.credential.kind'),
            time_source = json_extract(CAST(payload AS TEXT), '$.timeSource')
        WHERE json_valid(CAST(payload AS TEXT));
        CREATE TABLE audit(
            id     INTEGER PRIMARY KEY AUTOINCREMENT,
            at     INTEGER NOT NULL,
            actor  TEXT    NOT NULL,
            action TEXT    NOT NULL,
            detail TEXT    NOT NULL
        );
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
        """);
}
