using GateKiosk.Central.Storage;

namespace GateKiosk.Central.Accounts;

/// <summary>
/// The tables of accounts and personal API tokens in central's database: the schema part <c>accounts</c>. Tokens are
/// stored as their SHA-256: a token is 256 random bits, so a fast hash is enough, and a stolen database does not give
/// working tokens.
/// </summary>
internal static class AccountSchema
{
    public static readonly SchemaPart Part = new("accounts",
    [
        // Releases before numbered steps made these tables without recording a version, so the first step adopts
        // them where they exist.
        ("accounts and tokens", """
            CREATE TABLE IF NOT EXISTS accounts(
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                user_name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
                display_name    TEXT    NOT NULL,
                password_hash   TEXT    NOT NULL,
                role            TEXT    NOT NULL,
                sites           TEXT    NOT NULL,
                disabled        INTEGER NOT NULL DEFAULT 0,
                stamp           TEXT    NOT NULL,
                failed_sign_ins INTEGER NOT NULL DEFAULT 0,
                locked_until    INTEGER,
                created_at      INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS api_tokens(
                id          INTEGER PRIMARY KEY AUTOINCREMENT,
                account_id  INTEGER NOT NULL REFERENCES accounts(id),
                label       TEXT    NOT NULL,
                prefix      TEXT    NOT NULL,
                token_hash  TEXT    NOT NULL UNIQUE,
                created_at  INTEGER NOT NULL,
                revoked_at  INTEGER
            );
            CREATE INDEX IF NOT EXISTS api_tokens_account ON api_tokens(account_id);
            """),
    ]);
}
