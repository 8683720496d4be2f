using GateKiosk.Central.Accounts;
using Microsoft.Extensions.Logging.Abstractions;

namespace GateKiosk.Central.Tests.Accounts;

/// <summary><c>gatekiosk-central user …</c> on a temporary data folder.</summary>
public sealed class UserCommandTests : IDisposable
{
    private const string Password = "correct-horse-battery";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-usercmd-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Add_PasswordOnStandardInput_MakesAUserWhoCanSignIn()
    {
        var (code, output, _) = await RunAsync(Password + "\n", "add", "--name", "admin1", "--role", "admin", "--display", "First Admin");

        Assert.Equal(0, code);
        Assert.Contains("added admin1", output, StringComparison.Ordinal);
        Assert.True(SignIn("admin1", Password));
        Assert.Contains("admin1\tadmin\t*\tenabled\tFirst Admin", (await RunAsync("", "list")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_PasswordAsArgument_IsAUsageErrorAndMakesNoUser()
    {
        var (code, _, error) = await RunAsync("", "add", "--name", "admin1", "--role", "admin", "--password", Password);

        Assert.Equal(2, code);
        Assert.Contains("never from an argument", error, StringComparison.Ordinal);
        Assert.Equal("", (await RunAsync("", "list")).Output);
    }

    [Fact]
    public async Task Add_PromptedPasswordsDiffer_MakesNoUser()
    {
        var answers = new Queue<string>(["first-password-1", "other-password-2"]);

        var code = await UserCommand.RunAsync(["add", "--name", "u1", "--role", "guard", "--data", _folder], TextReader.Null, TextWriter.Null, TextWriter.Null, TimeProvider.System, _ => answers.Dequeue());

        Assert.Equal(1, code);
        Assert.Equal("", (await RunAsync("", "list")).Output);
    }

    [Fact]
    public async Task Changes_OnTheCommandLine_EachLeaveOneAuditRecord()
    {
        await RunAsync(Password + "\n", "add", "--name", "u1", "--role", "guard", "--sites", "site-a");
        await RunAsync("", "role", "--name", "u1", "--role", "root");
        await RunAsync("", "role", "--name", "u1", "--role", "manager");
        await RunAsync("", "disable", "--name", "u1");
        await RunAsync("", "enable", "--name", "u1");
        await RunAsync("other-password-1\n", "reset-password", "--name", "u1");
        var token = (await RunAsync("", "token", "--name", "u1")).Output.Trim();
        await RunAsync("", "list");

        using var store = new GateKiosk.Central.Storage.SqliteEventStore(Path.Combine(_folder, "central.db"), TimeProvider.System);
        var records = (await store.GetAuditAsync()).Reverse().ToList();
        Assert.Equal(
            [
                ("user-add", "user=u1 role=guard sites=site-a"),
                ("user-role", "user=u1 role=manager"),
                ("user-disable", "user=u1"),
                ("user-enable", "user=u1"),
                ("user-password", "user=u1"),
                ("token-create", $"user=u1 token=1 prefix={token[..10]}"),
            ],
            records.Select(r => (r.Action, r.Detail)));
        Assert.All(records, r => Assert.Equal(("cli:" + Environment.UserName, null), (r.Actor, r.Address)));
        Assert.DoesNotContain(records, r => r.Detail.Contains(token, StringComparison.Ordinal) || r.Detail.Contains("password-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RoleDisableResetPassword_ChangeTheUser()
    {
        await RunAsync(Password + "\n", "add", "--name", "u1", "--role", "guard");

        Assert.Equal(0, (await RunAsync("", "role", "--name", "u1", "--role", "manager")).Code);
        Assert.Equal(1, (await RunAsync("", "role", "--name", "u1", "--role", "root")).Code);
        Assert.Equal(0, (await RunAsync("", "disable", "--name", "u1")).Code);
        Assert.Contains("u1\tmanager\t*\tdisabled", (await RunAsync("", "list")).Output, StringComparison.Ordinal);
        Assert.False(SignIn("u1", Password));

        Assert.Equal(0, (await RunAsync("", "enable", "--name", "u1")).Code);
        Assert.Equal(0, (await RunAsync("new-password-123\n", "reset-password", "--name", "u1")).Code);
        Assert.False(SignIn("u1", Password));
        Assert.True(SignIn("u1", "new-password-123"));
        Assert.Equal(1, (await RunAsync("new-password-123\n", "reset-password", "--name", "nobody")).Code);
    }

    [Fact]
    public async Task Token_PrintsAPersonalTokenOfTheUser()
    {
        await RunAsync(Password + "\n", "add", "--name", "monitor", "--role", "viewer");

        var (code, output, _) = await RunAsync("", "token", "--name", "monitor");

        Assert.Equal(0, code);
        var token = output.Trim();
        using var store = new SqliteAccountStore(Path.Combine(_folder, "central.db"));
        Assert.Equal("monitor", new AccountService(store, TimeProvider.System, NullLogger<AccountService>.Instance).FindByToken(token)?.UserName);
        Assert.Equal(1, (await RunAsync("", "token", "--name", "nobody")).Code);
    }

    private bool SignIn(string userName, string password)
    {
        using var store = new SqliteAccountStore(Path.Combine(_folder, "central.db"));
        return new AccountService(store, TimeProvider.System, NullLogger<AccountService>.Instance).SignIn(userName, password).Succeeded;
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(string input, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await UserCommand.RunAsync([.. args, "--data", _folder], new StringReader(input), output, error, TimeProvider.System);
        return (code, output.ToString(), error.ToString());
    }
}
