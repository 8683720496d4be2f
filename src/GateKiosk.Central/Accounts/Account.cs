namespace GateKiosk.Central.Accounts;

/// <summary>A user of central.</summary>
/// <param name="Id">Row id; stable for the account's life.</param>
/// <param name="UserName">What the user types to sign in (compared without letter case).</param>
/// <param name="DisplayName">What the pages show.</param>
/// <param name="PasswordHash">ASP.NET Core Identity's <c>PasswordHasher</c> format (PBKDF2, salted, versioned).</param>
/// <param name="Role">One of <see cref="Roles.All"/>.</param>
/// <param name="Sites">Site ids the user works on; <c>*</c> is every site.</param>
/// <param name="Disabled">A disabled user can neither sign in nor use a token, and their sessions end.</param>
/// <param name="Stamp">Changes whenever the role, password or disabled flag changes, which ends the user's sessions.</param>
/// <param name="FailedSignIns">Failed sign-ins since the last success or lockout.</param>
/// <param name="LockedUntil">Sign-in refused until then, even with the right password.</param>
public sealed record Account(
    long Id,
    string UserName,
    string DisplayName,
    string PasswordHash,
    string Role,
    IReadOnlyList<string> Sites,
    bool Disabled,
    string Stamp,
    int FailedSignIns,
    DateTimeOffset? LockedUntil);

/// <summary>A personal API token as listed to its owner: never the token itself, which is shown once when made.</summary>
public sealed record PersonalTokenInfo(long Id, long AccountId, string Label, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);
