using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Declarations;

/// <summary>
/// The tables of sites, declarations and web check-ins in central's database, as numbered steps of the part
/// <c>declarations</c> (see <see cref="Storage.SchemaParts"/>).
/// </summary>
internal static class DeclarationSchema
{
    public const string Part = "declarations";

    /// <summary>Every step, in order; step n brings the part to version n.</summary>
    public static readonly IReadOnlyList<(string Name, string Sql)> Steps =
    [
        ("sites", """
            CREATE TABLE sites(
                id          TEXT    NOT NULL PRIMARY KEY,
                name        TEXT    NOT NULL,
                address     TEXT    NOT NULL,
                time_zone   TEXT    NOT NULL,
                form        TEXT    NOT NULL,
                created_at  INTEGER NOT NULL
            );
            """),
        ("declarations", """
            CREATE TABLE declarations(
                id           INTEGER PRIMARY KEY AUTOINCREMENT,
                site_id      TEXT    NOT NULL,
                submitted_at INTEGER NOT NULL,
                subject      TEXT    NOT NULL,
                status       TEXT    NOT NULL,
                pass_id      TEXT    NOT NULL,
                answers      TEXT    NOT NULL
            );
            CREATE INDEX declarations_site_time ON declarations(site_id, submitted_at);
            CREATE INDEX declarations_time ON declarations(submitted_at);
            """),
        ("web check-in chains", """
            CREATE TABLE web_chains(
                site_id   TEXT    NOT NULL PRIMARY KEY,
                last_seq  INTEGER NOT NULL,
                last_hash TEXT    NOT NULL
            );
            """),
    ];

    /// <summary>Applies the steps above the part's version; returns the version reached.</summary>
    public static int Migrate(SqliteConnection connection) => Storage.SchemaParts.Migrate(connection, Part, Steps);

    public static int Version(SqliteConnection connection, SqliteTransaction? transaction) => Storage.SchemaParts.Version(connection, transaction, Part);
}
