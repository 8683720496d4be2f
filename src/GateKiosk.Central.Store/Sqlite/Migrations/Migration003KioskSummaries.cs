using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage.Migrations;

/// <summary>
/// Per-kiosk summaries kept up to date by the writer in the same transaction as the events, so listing kiosks never
/// counts the events table again. This step counts it once, for the events already held.
/// </summary>
internal sealed class Migration003KioskSummaries : IStoreMigration
{
    public int Version => 3;

    public string Name => "per-kiosk summaries: events held, distinct seqs, last seq, last event, chain breaks";

    public void Apply(SqliteConnection connection, SqliteTransaction transaction) => StoreMigrator.Execute(connection, transaction, """
        CREATE TABLE kiosk_summaries(
            site_id              TEXT    NOT NULL,
            kiosk_id             TEXT    NOT NULL,
            events               INTEGER NOT NULL,
            seqs                 INTEGER NOT NULL,
            last_seq             INTEGER NOT NULL,
            last_seq_received_at INTEGER NOT NULL,
            last_event_at        INTEGER,
            chain_breaks         INTEGER NOT NULL,
            declares_loss        INTEGER NOT NULL,
            PRIMARY KEY(site_id, kiosk_id)
        );
        INSERT INTO kiosk_summaries(site_id, kiosk_id, events, seqs, last_seq, last_seq_received_at, last_event_at, chain_breaks, declares_loss)
        SELECT site_id, kiosk_id, COUNT(*), COUNT(DISTINCT seq), MAX(seq), 0, MAX(occurred_at), 0, MAX(lost_from IS NOT NULL)
        FROM events GROUP BY site_id, kiosk_id;
        INSERT OR IGNORE INTO kiosk_summaries(site_id, kiosk_id, events, seqs, last_seq, last_seq_received_at, last_event_at, chain_breaks, declares_loss)
        SELECT DISTINCT site_id, kiosk_id, 0, 0, 0, 0, NULL, 0, 0 FROM chain_breaks;
        UPDATE kiosk_summaries SET
            last_seq_received_at = COALESCE((SELECT MAX(e.received_at) FROM events e
                WHERE e.site_id = kiosk_summaries.site_id AND e.kiosk_id = kiosk_summaries.kiosk_id AND e.seq = kiosk_summaries.last_seq), 0),
            chain_breaks = (SELECT COUNT(*) FROM chain_breaks b WHERE b.site_id = kiosk_summaries.site_id AND b.kiosk_id = kiosk_summaries.kiosk_id);
        """);
}
