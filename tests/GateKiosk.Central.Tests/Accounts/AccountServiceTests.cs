using GateKiosk.Central.Accounts;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Central.Tests.Accounts;

/// <summary>Password hashing, lockout and personal tokens, against a real SQLite store and fake time.</summary>
public sealed class AccountServiceTests : IDisposable
{
    private const string Password = "correct-horse-battery";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-accounts-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero));
    private readonly SqliteAccountStore _store;
    private readonly AccountService _accounts;

    public AccountServiceTests()
    {
        _store = new SqliteAccountStore(Path.Combine(_folder, "central.db"));
        _accounts = new AccountService(_store, _time, NullLogger<AccountService>.Instance);
        Assert.True(_accounts.Add("guard1", "Guard One", Password, Roles.Guard, ["site-a"]).Done);
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Add_Password_IsStoredAsAnIdentityV3HashOnly()
    {
        var account = _store.Find("guard1")!;

        Assert.DoesNotContain(Password, account.PasswordHash, StringComparison.Ordinal);
        Assert.Equal(0x01, Convert.FromBase64String(account.PasswordHash)[0]);
        Assert.True(_accounts.SignIn("GUARD1", Password).Succeeded, "user names ignore letter case");
    }

    [Theory]
    [InlineData("", Roles.Guard, "short-but-no")]
    [InlineData("ok-name", "superuser", Password)]
    [InlineData("ok-name", Roles.Guard, "too-short")]
    [InlineData("name with space", Roles.Guard, Password)]
    [InlineData("guard1", Roles.Guard, Password)]
    public void Add_InvalidOrTaken_IsRefusedWithAReason(string userName, string role, string password)
    {
        var change = _accounts.Add(userName, null, password, role, null);

        Assert.False(change.Done);
        Assert.NotNull(change.Error);
    }

    [Fact]
    public void SignIn_RepeatedWrongPasswords_LockOutEvenTheRightPasswordUntilTheLockoutEnds()
    {
        for (var i = 1; i < AccountService.MaxFailedSignIns; i++)
        {
            Assert.Equal(SignInOutcomes.WrongPassword, _accounts.SignIn("guard1", "wrong-password").Outcome);
        }

        Assert.Equal(SignInOutcomes.LockedOut, _accounts.SignIn("guard1", "wrong-password").Outcome);
        Assert.Equal(SignInOutcomes.LockedOut, _accounts.SignIn("guard1", Password).Outcome);

        _time.Advance(AccountService.LockoutDuration - TimeSpan.FromSeconds(1));
        Assert.Equal(SignInOutcomes.LockedOut, _accounts.SignIn("guard1", Password).Outcome);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(_accounts.SignIn("guard1", Password).Succeeded);
    }

    [Fact]
    public void SignIn_Success_ResetsTheFailureCount()
    {
        for (var i = 1; i < AccountService.MaxFailedSignIns; i++)
        {
            _accounts.SignIn("guard1", "wrong-password");
        }

        Assert.True(_accounts.SignIn("guard1", Password).Succeeded);
        Assert.Equal(SignInOutcomes.WrongPassword, _accounts.SignIn("guard1", "wrong-password").Outcome);
    }

    [Fact]
    public void SignIn_DisabledUserWithRightPassword_IsRefused()
    {
        Assert.True(_accounts.SetDisabled("guard1", true).Done);

        Assert.Equal(SignInOutcomes.Disabled, _accounts.SignIn("guard1", Password).Outcome);
    }

    [Fact]
    public void SignIn_UnknownUser_IsRefused() =>
        Assert.Equal(SignInOutcomes.UnknownUser, _accounts.SignIn("nobody", Password).Outcome);

    [Fact]
    public void ResetPassword_ClearsLockoutAndChangesTheStamp()
    {
        for (var i = 0; i < AccountService.MaxFailedSignIns; i++)
        {
            _accounts.SignIn("guard1", "wrong-password");
        }

        var stamp = _store.Find("guard1")!.Stamp;
        Assert.True(_accounts.ResetPassword("guard1", "another-good-password").Done);

        Assert.NotEqual(stamp, _store.Find("guard1")!.Stamp);
        Assert.True(_accounts.SignIn("guard1", "another-good-password").Succeeded);
    }

    [Fact]
    public void SetRole_ChangesRoleAndStamp()
    {
        var before = _store.Find("guard1")!;

        Assert.True(_accounts.SetRole("guard1", Roles.Manager).Done);

        var after = _store.Find("guard1")!;
        Assert.Equal(Roles.Manager, after.Role);
        Assert.NotEqual(before.Stamp, after.Stamp);
        Assert.False(_accounts.SetRole("guard1", "root").Done);
    }

    [Fact]
    public void PersonalToken_StoredAsHashAndFoundUntilRevoked()
    {
        var account = _store.Find("guard1")!;
        var (token, id) = _accounts.CreateToken(account, "monitoring");

        Assert.Equal(account.Id, _accounts.FindByToken(token)?.Id);
        var listed = Assert.Single(_store.ListTokens(account.Id));
        Assert.Equal("monitoring", listed.Label);
        Assert.StartsWith(listed.Prefix, token, StringComparison.Ordinal);
        Assert.True(listed.Prefix.Length < 16, "only a short start of the token is kept in clear");

        Assert.True(_accounts.RevokeToken(account, id));

        Assert.Null(_accounts.FindByToken(token));
        Assert.False(_accounts.RevokeToken(account, id));
        Assert.NotNull(_store.ListTokens(account.Id)[0].RevokedAt);
    }

    [Fact]
    public void RevokeToken_OfAnotherUser_IsRefused()
    {
        Assert.True(_accounts.Add("other", null, Password, Roles.Viewer, null).Done);
        var (token, id) = _accounts.CreateToken(_store.Find("guard1")!, "x");

        Assert.False(_accounts.RevokeToken(_store.Find("other")!, id));
        Assert.NotNull(_accounts.FindByToken(token));
    }

    [Fact]
    public void AnyAccount_SeesAnAccountAddedByAnotherConnection()
    {
        var emptyFolder = Path.Combine(_folder, "empty");
        using var served = new SqliteAccountStore(Path.Combine(emptyFolder, "central.db"));
        Assert.False(served.AnyAccount());

        using (var cli = new SqliteAccountStore(Path.Combine(emptyFolder, "central.db")))
        {
            Assert.True(cli.Add("first", "First", "hash", Roles.Admin, ["*"], _time.GetUtcNow()));
        }

        Assert.True(served.AnyAccount());
    }
}
