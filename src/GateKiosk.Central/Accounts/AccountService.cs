using System.Security.Cryptography;
using System.Text;
using GateKiosk.Contracts;
using Microsoft.AspNetCore.Identity;

namespace GateKiosk.Central.Accounts;

/// <summary>Why a sign-in did or did not succeed (a stable code, logged and shown as a localized message).</summary>
public static class SignInOutcomes
{
    public const string SignedIn = "signed-in";
    public const string WrongPassword = "wrong-password";
    public const string UnknownUser = "unknown-user";
    public const string Disabled = "disabled";
    public const string LockedOut = "locked-out";
}

/// <summary>The outcome of one sign-in; <see cref="Account"/> is set only when <see cref="Outcome"/> is <see cref="SignInOutcomes.SignedIn"/>.</summary>
public sealed record SignInResult(string Outcome, Account? Account = null, DateTimeOffset? LockedUntil = null)
{
    public bool Succeeded => Outcome == SignInOutcomes.SignedIn;
}

/// <summary>A change to an account, with the reason it was refused (null when it was made).</summary>
public sealed record AccountChange(bool Done, string? Error = null)
{
    public static readonly AccountChange Ok = new(true);

    public static AccountChange Refused(string error) => new(false, error);
}

/// <summary>
/// The rules around <see cref="IAccountStore"/>: what a valid user name, password and site list are, password hashing
/// (ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>), lockout after repeated failures, and personal tokens.
/// </summary>
public sealed partial class AccountService(IAccountStore store, TimeProvider time, ILogger<AccountService> logger)
{
    /// <summary>Failed sign-ins in a row that lock an account.</summary>
    public const int MaxFailedSignIns = 5;

    /// <summary>How long a locked account refuses sign-in, even with the right password.</summary>
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    public const int MinPasswordLength = 10;

    public const int MaxPasswordLength = 256;

    /// <summary>What every personal token starts with, so a leaked one is recognisable (e.g. by secret scanners).</summary>
    public const string TokenPrefix = "gkp_";

    private static readonly PasswordHasher<string> Hasher = new();

    /// <summary>A hash of nothing anyone knows, verified for unknown users so that they take as long as known ones.</summary>
    private static readonly string DummyHash = Hasher.HashPassword("", Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));

    public IAccountStore Store => store;

    /// <summary>Checks the user name and password, counting failures and locking the account after <see cref="MaxFailedSignIns"/>.</summary>
    public SignInResult SignIn(string userName, string password)
    {
        var now = time.GetUtcNow();
        var account = IsValidUserName(userName) && password.Length <= MaxPasswordLength ? store.Find(userName) : null;
        SignInResult result;
        if (account is null)
        {
            Hasher.VerifyHashedPassword("", DummyHash, password);
            result = new SignInResult(SignInOutcomes.UnknownUser);
        }
        else if (account.LockedUntil is { } until && until > now)
        {
            result = new SignInResult(SignInOutcomes.LockedOut, LockedUntil: until);
        }
        else if (Hasher.VerifyHashedPassword(account.UserName, account.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            var failures = account.FailedSignIns + 1;
            if (failures >= MaxFailedSignIns)
            {
                store.RecordFailure(account.Id, 0, now + LockoutDuration);
                result = new SignInResult(SignInOutcomes.LockedOut, LockedUntil: now + LockoutDuration);
            }
            else
            {
                store.RecordFailure(account.Id, failures, null);
                result = new SignInResult(SignInOutcomes.WrongPassword);
            }
        }
        else if (account.Disabled)
        {
            result = new SignInResult(SignInOutcomes.Disabled);
        }
        else
        {
            store.RecordSuccess(account.Id);
            result = new SignInResult(SignInOutcomes.SignedIn, account);
        }

        var userHash = ShortHash(userName);
        LogSignIn(logger, userHash, result.Outcome);
        return result;
    }

    public AccountChange Add(string userName, string? displayName, string password, string role, IReadOnlyList<string>? sites)
    {
        if ((Validate(userName, role, sites ?? ["*"]) ?? PasswordError(password)) is { } error)
        {
            return AccountChange.Refused(error);
        }

        displayName = string.IsNullOrWhiteSpace(displayName) ? userName : displayName.Trim();
        if (displayName.Length > 100 || displayName.Any(char.IsControl))
        {
            return AccountChange.Refused("the display name must be 1–100 characters without control characters.");
        }

        return store.Add(userName, displayName, Hasher.HashPassword(userName, password), role, sites ?? ["*"], time.GetUtcNow())
            ? AccountChange.Ok
            : AccountChange.Refused($"the user name '{userName}' is taken.");
    }

    public AccountChange SetRole(string userName, string role) =>
        !Roles.IsValid(role) ? AccountChange.Refused($"the role must be one of {string.Join(", ", Roles.All)}.")
        : store.SetRole(userName, role) ? AccountChange.Ok : NoSuchUser(userName);

    public AccountChange SetDisabled(string userName, bool disabled) =>
        store.SetDisabled(userName, disabled) ? AccountChange.Ok : NoSuchUser(userName);

    public AccountChange ResetPassword(string userName, string password) =>
        PasswordError(password) is { } error ? AccountChange.Refused(error)
        : store.SetPassword(userName, Hasher.HashPassword(userName, password)) ? AccountChange.Ok : NoSuchUser(userName);

    /// <summary>Makes a new personal token for <paramref name="account"/>; the token is returned once and only its hash is kept.</summary>
    public (string Token, long Id) CreateToken(Account account, string label)
    {
        ArgumentNullException.ThrowIfNull(account);
        var token = TokenPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        label = string.IsNullOrWhiteSpace(label) ? "token" : label.Trim();
        if (label.Length > 64 || label.Any(char.IsControl))
        {
            label = new string([.. label.Where(c => !char.IsControl(c)).Take(64)]);
        }

        var id = store.AddToken(account.Id, label, token[..(TokenPrefix.Length + 6)], TokenHash(token), time.GetUtcNow());
        return (token, id);
    }

    public bool RevokeToken(Account account, long tokenId) => store.RevokeToken(account.Id, tokenId, time.GetUtcNow());

    /// <summary>The enabled account owning this unrevoked personal token, or null.</summary>
    public Account? FindByToken(ReadOnlySpan<char> token)
    {
        // Anything that is not shaped like one of our tokens is not looked up at all.
        if (token.Length != TokenPrefix.Length + 43 || !token.StartsWith(TokenPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        return store.FindByToken(TokenHash(token.ToString()));
    }

    /// <summary>1–64 characters of letters, digits, <c>. _ - @</c>.</summary>
    public static bool IsValidUserName(string? userName) =>
        userName is { Length: > 0 and <= 64 } && userName.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@');

    public static string? PasswordError(string password) =>
        password.Length < MinPasswordLength || password.Length > MaxPasswordLength
            ? $"the password must be {MinPasswordLength}–{MaxPasswordLength} characters."
            : null;

    /// <summary>A short hash of a user name for logs, which never carry the name itself.</summary>
    public static string ShortHash(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value.ToLowerInvariant())))[..12];

    internal static string TokenHash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string? Validate(string userName, string role, IReadOnlyList<string> sites)
    {
        if (!IsValidUserName(userName))
        {
            return "the user name must be 1–64 letters, digits, '.', '_', '-' or '@'.";
        }

        if (!Roles.IsValid(role))
        {
            return $"the role must be one of {string.Join(", ", Roles.All)}.";
        }

        return sites.Count == 0 || sites.Any(s => s != "*" && !Ids.IsValid(s)) ? "sites must be '*' or site ids of [a-z0-9-]." : null;
    }

    private static AccountChange NoSuchUser(string userName) => AccountChange.Refused($"there is no user '{userName}'.");

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [LoggerMessage(Level = LogLevel.Information, Message = "Sign-in for user {UserHash}: {Outcome}")]
    private static partial void LogSignIn(ILogger logger, string userHash, string outcome);
}
