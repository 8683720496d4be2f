using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage.Migrations;

/// <summary>
/// The schema before numbered steps. A store created by an earlier release may have any part of it already, or an
/// events table without the chain columns (<c>hash</c>, <c>prev_hash</c>) or declared losses (<c>lost_from</c>): those
/// columns are added, with older events holding no hash to compare and declaring no loss.
/// </summary>
internal sealed class Migration001InitialSchema : IStoreMigration
{
    public int Version => 1;

    public string Name => "events, chain breaks, quarantine, rejected counts, unrecoverable ranges and kiosk statuses";

    public void Apply(SqliteConnection connection, SqliteTransaction transaction)
    {
        StoreMigrator.Execute(connection, transaction, """
            CREATE TABLE IF NOT EXISTS events(
                id          INTEGER PRIMARY KEY AUTOINCREMENT,
                event_id    TEXT    NOT NULL UNIQUE,
                site_id     TEXT    NOT NULL,
                kiosk_id    TEXT    NOT NULL,
                seq         INTEGER NOT NULL,
                occurred_at INTEGER NOT NULL,
                received_at INTEGER NOT NULL,
                type        TEXT    NOT NULL,
                decision    TEXT,
                reason      TEXT,
                subject     TEXT,
                payload     BLOB    NOT NULL,
                hash        TEXT    NOT NULL,
                prev_hash   TEXT    NOT NULL,
                lost_from   INTEGER
            );
            CREATE INDEX IF NOT EXISTS events_kiosk_seq ON events(site_id, kiosk_id, seq);
            CREATE INDEX IF NOT EXISTS events_occurred ON events(occurred_at);
            CREATE INDEX IF NOT EXISTS events_subject ON events(subject);
            CREATE TABLE IF NOT EXISTS chain_breaks(
                site_id     TEXT    NOT NULL,
                kiosk_id    TEXT    NOT NULL,
                seq         INTEGER NOT NULL,
                kind        TEXT    NOT NULL,
                detected_at INTEGER NOT NULL,
                PRIMARY KEY(site_id, kiosk_id, seq, kind)
            );
            CREATE TABLE IF NOT EXISTS quarantine(
                id          INTEGER PRIMARY KEY AUTOINCREMENT,
                received_at INTEGER NOT NULL,
                topic       TEXT    NOT NULL,
                site_id     TEXT,
                kiosk_id    TEXT,
                reason      TEXT    NOT NULL,
                size        INTEGER NOT NULL,
                sha256      TEXT    NOT NULL,
                prefix      BLOB    NOT NULL
            );
            CREATE TABLE IF NOT EXISTS rejected(
                site_id     TEXT    NOT NULL,
                kiosk_id    TEXT    NOT NULL,
                rejected    INTEGER NOT NULL,
                last_reason TEXT    NOT NULL,
                last_at     INTEGER NOT NULL,
                PRIMARY KEY(site_id, kiosk_id)
            );
            CREATE TABLE IF NOT EXISTS unrecoverable(
                site_id     TEXT    NOT NULL,
                kiosk_id    TEXT    NOT NULL,
                from_seq    INTEGER NOT NULL,
                to_seq      INTEGER NOT NULL,
                marked_at   INTEGER NOT NULL,
                PRIMARY KEY(site_id, kiosk_id, from_seq, to_seq)
            );
            CREATE TABLE IF NOT EXISTS kiosks(
                site_id   TEXT NOT NULL,
                kiosk_id  TEXT NOT NULL,
                state     TEXT NOT NULL,
                version   TEXT,
                status_at INTEGER NOT NULL,
                PRIMARY KEY(site_id, kiosk_id)
            );
            """);
        if (!StoreMigrator.HasColumn(connection, transaction, "events", "hash"))
        {
            // A store from before chain checks: older events simply have no hash to compare.
            StoreMigrator.Execute(connection, transaction, "ALTER TABLE events ADD COLUMN hash TEXT NOT NULL DEFAULT ''; ALTER TABLE events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';");
        }

        if (!StoreMigrator.HasColumn(connection, transaction, "events", "lost_from"))
        {
            // A store from before declared losses: none of its events declares one.
            StoreMigrator.Execute(connection, transaction, "ALTER TABLE events ADD COLUMN lost_from INTEGER;");
        }

        // lost_from is set on the rare events that declare a loss (their range is lost_from .. seq - 1).
        StoreMigrator.Execute(connection, transaction, "CREATE INDEX IF NOT EXISTS events_lost ON events(site_id, kiosk_id, lost_from) WHERE lost_from IS NOT NULL;");
    }
}
