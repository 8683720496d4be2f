using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage.Migrations;

/// <summary>
/// The audit trail records the caller's network address (older lines have none), and the audit page lists lines by
/// actor or by action without reading the whole trail.
/// </summary>
internal sealed class Migration006AuditAddress : IStoreMigration
{
    public int Version => 6;

    public string Name => "the audit trail's caller addresses; audit lines by actor and by action";

    public void Apply(SqliteConnection connection, SqliteTransaction transaction) => StoreMigrator.Execute(connection, transaction, """
        ALTER TABLE audit ADD COLUMN address TEXT;
        CREATE INDEX audit_actor ON audit(actor, id);
        CREATE INDEX audit_action ON audit(action, id);
        """);
}
