using GateKiosk.Central.Storage;

namespace GateKiosk.Central.Policy;

/// <summary>The policy published per site (part <c>policy</c> of central.db, see <see cref="SchemaPart"/>).</summary>
internal static class PolicySchema
{
    public static readonly SchemaPart Part = new("policy",
    [
        ("published policy per site", """
            CREATE TABLE policy_versions(
                site_id       TEXT    NOT NULL PRIMARY KEY,
                version       INTEGER NOT NULL,
                issued_at     INTEGER NOT NULL,
                content_hash  BLOB    NOT NULL,
                bundle        BLOB    NOT NULL
            );
            """),
    ]);
}
