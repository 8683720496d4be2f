using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage.Migrations;

/// <summary>
/// Each kiosk's summary keeps the hash of its event at the last seq. An event that arrives in order then needs no look
/// into the events table to be checked against its predecessor: the summary already holds what the check compares.
/// </summary>
internal sealed class Migration007SummaryLastHash : IStoreMigration
{
    public int Version => 7;

    public string Name => "the hash of each kiosk's last event in its summary";

    public void Apply(SqliteConnection connection, SqliteTransaction transaction) => StoreMigrator.Execute(connection, transaction, """
        ALTER TABLE kiosk_summaries ADD COLUMN last_hash TEXT;
        UPDATE kiosk_summaries SET last_hash = (
            SELECT e.hash FROM events e
            WHERE e.site_id = kiosk_summaries.site_id AND e.kiosk_id = kiosk_summaries.kiosk_id AND e.seq = kiosk_summaries.last_seq
            ORDER BY e.id LIMIT 1)
        WHERE events > 0;
        """);
}
