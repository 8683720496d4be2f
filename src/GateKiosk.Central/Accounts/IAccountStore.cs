namespace GateKiosk.Central.Accounts;

/// <summary>Where accounts and personal API tokens are kept. Accounts are never deleted, only disabled.</summary>
public interface IAccountStore
{
    /// <summary>True once any account exists.</summary>
    bool AnyAccount();

    /// <summary>Adds an account; false when the user name is taken (letter case ignored).</summary>
    bool Add(string userName, string displayName, string passwordHash, string role, IReadOnlyList<string> sites, DateTimeOffset at);

    Account? Find(string userName);

    Account? FindById(long id);

    IReadOnlyList<Account> List();

    /// <summary>Sets the role (and a new stamp); false when there is no such user.</summary>
    bool SetRole(string userName, string role);

    /// <summary>Sets the sites; false when there is no such user.</summary>
    bool SetSites(string userName, IReadOnlyList<string> sites);

    /// <summary>Disables or enables the user (and sets a new stamp); false when there is no such user.</summary>
    bool SetDisabled(string userName, bool disabled);

    /// <summary>Replaces the password hash, clears the lockout and sets a new stamp; false when there is no such user.</summary>
    bool SetPassword(string userName, string passwordHash);

    /// <summary>Records a failed sign-in: the new failure count, and the lockout end when this failure locks the account.</summary>
    void RecordFailure(long accountId, int failedSignIns, DateTimeOffset? lockedUntil);

    /// <summary>Clears the failure count and lockout after a successful sign-in.</summary>
    void RecordSuccess(long accountId);

    /// <summary>Stores a new token by its hash and returns its id.</summary>
    long AddToken(long accountId, string label, string prefix, string tokenHash, DateTimeOffset at);

    IReadOnlyList<PersonalTokenInfo> ListTokens(long accountId);

    /// <summary>Revokes one of <paramref name="accountId"/>'s tokens; false when it is not theirs or already revoked.</summary>
    bool RevokeToken(long accountId, long tokenId, DateTimeOffset at);

    /// <summary>The enabled account owning the unrevoked token with this hash, or null.</summary>
    Account? FindByToken(string tokenHash);
}
