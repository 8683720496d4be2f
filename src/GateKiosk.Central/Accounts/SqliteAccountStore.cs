using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Accounts;

/// <summary>Accounts and personal tokens in central's SQLite database (<see cref="AccountSchema"/>).</summary>
internal sealed class SqliteAccountStore : IAccountStore, IDisposable
{
    private const string Columns = "id, user_name, display_name, password_hash, role, sites, disabled, stamp, failed_sign_ins, locked_until";

    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();
    private bool _anyAccount;

    public SqliteAccountStore(string databasePath)
    {
        _connection = AccountSchema.Part.Open(databasePath);
    }

    public bool AnyAccount()
    {
        // Accounts are never deleted, so once one exists the answer stays true; until then each call asks the
        // database, because `user add` may run in another process while central serves.
        if (Volatile.Read(ref _anyAccount))
        {
            return true;
        }

        var any = Scalar("SELECT EXISTS(SELECT 1 FROM accounts)") is long n && n != 0;
        Volatile.Write(ref _anyAccount, any);
        return any;
    }

    public bool Add(string userName, string displayName, string passwordHash, string role, IReadOnlyList<string> sites, DateTimeOffset at)
    {
        try
        {
            return Execute(
                "INSERT INTO accounts(user_name, display_name, password_hash, role, sites, stamp, created_at) VALUES($u, $d, $p, $r, $s, $st, $at)",
                ("$u", userName), ("$d", displayName), ("$p", passwordHash), ("$r", role), ("$s", string.Join(',', sites)), ("$st", NewStamp()), ("$at", at.ToUnixTimeMilliseconds())) == 1;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            // SQLITE_CONSTRAINT: the user name is taken.
            return false;
        }
    }

    public Account? Find(string userName) => One($"SELECT {Columns} FROM accounts WHERE user_name = $u", ("$u", userName));

    public Account? FindById(long id) => One($"SELECT {Columns} FROM accounts WHERE id = $id", ("$id", id));

    public IReadOnlyList<Account> List() => Many($"SELECT {Columns} FROM accounts ORDER BY user_name");

    public bool SetRole(string userName, string role) =>
        Execute("UPDATE accounts SET role = $r, stamp = $st WHERE user_name = $u", ("$r", role), ("$st", NewStamp()), ("$u", userName)) == 1;

    public bool SetSites(string userName, IReadOnlyList<string> sites) =>
        Execute("UPDATE accounts SET sites = $s, stamp = $st WHERE user_name = $u", ("$s", string.Join(',', sites)), ("$st", NewStamp()), ("$u", userName)) == 1;

    public bool SetDisabled(string userName, bool disabled) =>
        Execute("UPDATE accounts SET disabled = $d, stamp = $st WHERE user_name = $u", ("$d", disabled ? 1 : 0), ("$st", NewStamp()), ("$u", userName)) == 1;

    public bool SetPassword(string userName, string passwordHash) =>
        Execute(
            "UPDATE accounts SET password_hash = $p, stamp = $st, failed_sign_ins = 0, locked_until = NULL WHERE user_name = $u",
            ("$p", passwordHash), ("$st", NewStamp()), ("$u", userName)) == 1;

    public void RecordFailure(long accountId, int failedSignIns, DateTimeOffset? lockedUntil) =>
        Execute(
            "UPDATE accounts SET failed_sign_ins = $f, locked_until = $l WHERE id = $id",
            ("$f", failedSignIns), ("$l", lockedUntil?.ToUnixTimeMilliseconds()), ("$id", accountId));

    public void RecordSuccess(long accountId) =>
        Execute("UPDATE accounts SET failed_sign_ins = 0, locked_until = NULL WHERE id = $id AND (failed_sign_ins <> 0 OR locked_until IS NOT NULL)", ("$id", accountId));

    public long AddToken(long accountId, string label, string prefix, string tokenHash, DateTimeOffset at) =>
        (long)Scalar(
            "INSERT INTO api_tokens(account_id, label, prefix, token_hash, created_at) VALUES($a, $l, $p, $h, $at) RETURNING id",
            ("$a", accountId), ("$l", label), ("$p", prefix), ("$h", tokenHash), ("$at", at.ToUnixTimeMilliseconds()))!;

    public IReadOnlyList<PersonalTokenInfo> ListTokens(long accountId)
    {
        lock (_lock)
        {
            using var command = Command(
                "SELECT id, account_id, label, prefix, created_at, revoked_at FROM api_tokens WHERE account_id = $a ORDER BY id", [("$a", accountId)]);
            using var reader = command.ExecuteReader();
            var tokens = new List<PersonalTokenInfo>();
            while (reader.Read())
            {
                tokens.Add(new PersonalTokenInfo(
                    reader.GetInt64(0),
                    reader.GetInt64(1),
                    reader.GetString(2),
                    reader.GetString(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                    reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
            }

            return tokens;
        }
    }

    public bool RevokeToken(long accountId, long tokenId, DateTimeOffset at) =>
        Execute(
            "UPDATE api_tokens SET revoked_at = $at WHERE id = $id AND account_id = $a AND revoked_at IS NULL",
            ("$at", at.ToUnixTimeMilliseconds()), ("$id", tokenId), ("$a", accountId)) == 1;

    public Account? FindByToken(string tokenHash) =>
        One(
            $"SELECT {string.Join(", ", Columns.Split(", ").Select(c => "a." + c))} FROM api_tokens t JOIN accounts a ON a.id = t.account_id "
            + "WHERE t.token_hash = $h AND t.revoked_at IS NULL AND a.disabled = 0",
            ("$h", tokenHash));

    public void Dispose() => _connection.Dispose();

    private static string NewStamp() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    private Account? One(string sql, params (string Name, object? Value)[] parameters) => Many(sql, parameters) is [var a, ..] ? a : null;

    private List<Account> Many(string sql, params (string Name, object? Value)[] parameters)
    {
        lock (_lock)
        {
            using var command = Command(sql, parameters);
            using var reader = command.ExecuteReader();
            var accounts = new List<Account>();
            while (reader.Read())
            {
                accounts.Add(new Account(
                    reader.GetInt64(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.GetString(3),
                    reader.GetString(4),
                    reader.GetString(5).Split(',', StringSplitOptions.RemoveEmptyEntries),
                    reader.GetInt64(6) != 0,
                    reader.GetString(7),
                    (int)reader.GetInt64(8),
                    reader.IsDBNull(9) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9))));
            }

            return accounts;
        }
    }

    private int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        lock (_lock)
        {
            using var command = Command(sql, parameters);
            return command.ExecuteNonQuery();
        }
    }

    private object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        lock (_lock)
        {
            using var command = Command(sql, parameters);
            return command.ExecuteScalar();
        }
    }

    private SqliteCommand Command(string sql, (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
