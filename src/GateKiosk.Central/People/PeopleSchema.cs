using GateKiosk.Central.Storage;

namespace GateKiosk.Central.People;

/// <summary>
/// The tables of staff, their badges and muster marks in central's database, as numbered steps of the part
/// <c>people</c> (see <see cref="SchemaPart"/>).
/// </summary>
internal static class PeopleSchema
{
    public static readonly SchemaPart Part = new("people",
    [
        ("staff and badges", """
            CREATE TABLE people(
                id           INTEGER PRIMARY KEY AUTOINCREMENT,
                employee_id  TEXT    NOT NULL UNIQUE COLLATE NOCASE,
                name         TEXT    NOT NULL,
                department   TEXT    NOT NULL,
                sites        TEXT    NOT NULL,
                schedule     TEXT    NOT NULL,
                created_at   INTEGER NOT NULL,
                updated_at   INTEGER NOT NULL
            );
            -- Kiosks match a badge exactly (letter case counts), so the number is the key as it is.
            CREATE TABLE badges(
                number     TEXT    NOT NULL PRIMARY KEY,
                person_id  INTEGER NOT NULL
            );
            CREATE INDEX badges_person ON badges(person_id);
            """),
        ("muster marks", """
            CREATE TABLE safe_marks(
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                site_id    TEXT    NOT NULL,
                kind       TEXT    NOT NULL,
                subject    TEXT    NOT NULL,
                marked_by  TEXT    NOT NULL,
                marked_at  INTEGER NOT NULL
            );
            CREATE INDEX safe_marks_site_time ON safe_marks(site_id, marked_at);
            """),
    ]);
}
