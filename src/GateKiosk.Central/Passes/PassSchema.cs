using GateKiosk.Central.Storage;

namespace GateKiosk.Central.Passes;

/// <summary>The register of passes issued from the pages, in central's database, as numbered steps of the part <c>passes</c>.</summary>
internal static class PassSchema
{
    public static readonly SchemaPart Part = new("passes",
    [
        ("issued passes", """
            CREATE TABLE passes(
                id          INTEGER PRIMARY KEY AUTOINCREMENT,
                pass_id     TEXT    NOT NULL UNIQUE,
                kind        TEXT    NOT NULL,
                subject     TEXT    NOT NULL,
                holder      TEXT    NOT NULL,
                host        TEXT,
                sites       TEXT    NOT NULL,
                not_before  INTEGER NOT NULL,
                expires     INTEGER NOT NULL,
                single_use  INTEGER NOT NULL,
                code        TEXT    NOT NULL,
                issued_by   TEXT    NOT NULL,
                issued_at   INTEGER NOT NULL,
                revoked_by  TEXT,
                revoked_at  INTEGER
            );
            CREATE INDEX passes_issued ON passes(issued_at);
            """),
    ]);
}
