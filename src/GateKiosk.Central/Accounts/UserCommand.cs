using GateKiosk.Central.Storage;
using GateKiosk.Central.Web;
using GateKiosk.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace GateKiosk.Central.Accounts;

/// <summary><c>gatekiosk-central user …</c>: central's accounts, on the command line of the server.</summary>
internal static class UserCommand
{
    public const string Usage = """
        Usage: gatekiosk-central user <command> [--data DIR]
          add --name NAME --role ROLE [--display "Full Name"] [--sites a,b]
                                       add a user; the password is read from standard input (one line) or a prompt
          list                         user names, roles, sites and whether disabled
          role --name NAME --role ROLE change the role (ends the user's sessions)
          disable --name NAME          refuse sign-in and tokens, end sessions;  enable --name NAME  undoes it
          reset-password --name NAME   set a new password (standard input or a prompt) and clear a lockout
          token --name NAME [--label TEXT]
                                       print a new personal API token (only its hash is kept)
        Roles: admin, manager, guard, health, viewer. Passwords: 10–256 characters, never given as an argument.
        --data DIR defaults to Central:DataDirectory. Exit code: 0 done, 1 refused, 2 usage error.
        """;

    private static readonly HashSet<string> Known = ["data", "name", "role", "display", "sites", "label"];

    /// <param name="readPassword">Asks for a password without echo (a terminal); null reads one line of <paramref name="input"/>.</param>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, TimeProvider time, Func<string, string?>? readPassword = null)
    {
        var words = new List<string>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                words.Add(args[i]);
                continue;
            }

            var name = args[i][2..];
            if (!Known.Contains(name))
            {
                return await UsageError(error, name == "password" ? "the password is read from standard input or a prompt, never from an argument." : $"unknown option '--{name}'.");
            }

            if (i + 1 >= args.Length)
            {
                return await UsageError(error, $"--{name} needs a value.");
            }

            values[name] = args[++i];
        }

        if (words.Count != 1)
        {
            return await UsageError(error, words.Count == 0 ? "a command is missing." : $"unexpected '{words[1]}'.");
        }

        var configuration = new ConfigurationBuilder().AddGateKioskSources(CentralApp.EtcFolder, []).Build();
        var data = values.GetValueOrDefault("data") ?? configuration[$"{CentralOptions.SectionName}:{nameof(CentralOptions.DataDirectory)}"] ?? new CentralOptions().DataDirectory;
        var userName = values.GetValueOrDefault("name");
        if (words[0] is not "list" && userName is null)
        {
            return await UsageError(error, "--name NAME is required.");
        }

        try
        {
            using var store = new SqliteAccountStore(Path.Combine(data, "central.db"));
            var accounts = new AccountService(store, time, NullLogger<AccountService>.Instance);
            Task Audit(string action, params (string, string?)[] detail) => AuditAsync(configuration, data, time, action, AuditTrail.Pairs(detail));
            switch (words[0])
            {
                case "add":
                    if (values.GetValueOrDefault("role") is not { } role)
                    {
                        return await UsageError(error, "--role ROLE is required.");
                    }

                    if (await ReadNewPasswordAsync(input, error, readPassword) is not { } password)
                    {
                        return 1;
                    }

                    var sites = values.GetValueOrDefault("sites")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    return await Report(
                        accounts.Add(userName!, values.GetValueOrDefault("display"), password, role, sites), $"added {userName} ({role})", output, error,
                        () => Audit(AuditActions.UserAdd, ("user", userName), ("role", role), ("sites", string.Join(',', sites ?? ["*"]))));
                case "list":
                    foreach (var a in store.List())
                    {
                        await output.WriteLineAsync($"{a.UserName}\t{a.Role}\t{string.Join(',', a.Sites)}\t{(a.Disabled ? "disabled" : "enabled")}\t{a.DisplayName}");
                    }

                    return 0;
                case "role":
                    return values.GetValueOrDefault("role") is { } newRole
                        ? await Report(accounts.SetRole(userName!, newRole), $"{userName} is now {newRole}", output, error, () => Audit(AuditActions.UserRole, ("user", userName), ("role", newRole)))
                        : await UsageError(error, "--role ROLE is required.");
                case "disable" or "enable":
                    return await Report(
                        accounts.SetDisabled(userName!, words[0] == "disable"), $"{userName} {words[0]}d", output, error,
                        () => Audit(words[0] == "disable" ? AuditActions.UserDisable : AuditActions.UserEnable, ("user", userName)));
                case "reset-password":
                    if (store.Find(userName!) is null)
                    {
                        await error.WriteLineAsync($"user: there is no user '{userName}'.");
                        return 1;
                    }

                    return await ReadNewPasswordAsync(input, error, readPassword) is { } reset
                        ? await Report(accounts.ResetPassword(userName!, reset), $"new password set for {userName}", output, error, () => Audit(AuditActions.UserPassword, ("user", userName)))
                        : 1;
                case "token":
                    if (store.Find(userName!) is not { Disabled: false } owner)
                    {
                        await error.WriteLineAsync($"user: there is no enabled user '{userName}'.");
                        return 1;
                    }

                    var (token, tokenId) = accounts.CreateToken(owner, values.GetValueOrDefault("label") ?? "cli");
                    await Audit(AuditActions.TokenCreate, ("user", owner.UserName), ("token", tokenId.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("prefix", token[..(AccountService.TokenPrefix.Length + 6)]));
                    await output.WriteLineAsync(token);
                    return 0;
                default:
                    return await UsageError(error, $"unknown command '{words[0]}'.");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SqliteException)
        {
            await error.WriteLineAsync($"user: {ex.Message}");
            return 1;
        }
    }

    /// <summary>Reads the console's password without echo, for <see cref="RunAsync"/> on a terminal.</summary>
    public static string? ReadPasswordFromConsole(string prompt)
    {
        Console.Error.Write(prompt);
        var password = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return password.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                {
                    password.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }
    }

    private static async Task<string?> ReadNewPasswordAsync(TextReader input, TextWriter error, Func<string, string?>? readPassword)
    {
        string? password;
        if (readPassword is null)
        {
            password = await input.ReadLineAsync();
        }
        else
        {
            password = readPassword("New password: ");
            if (password is not null && readPassword("Again: ") != password)
            {
                await error.WriteLineAsync("user: the two passwords differ.");
                return null;
            }
        }

        var problem = password is null ? "no password was given on standard input." : AccountService.PasswordError(password);
        if (problem is not null)
        {
            await error.WriteLineAsync($"user: {problem}");
            return null;
        }

        return password;
    }

    /// <summary>
    /// Appends a change made on the command line to the audit trail of central's store (SQLite in the data folder, or
    /// PostgreSQL as configured), as <c>cli:</c> and the operating system's user, without an address.
    /// </summary>
    private static async Task AuditAsync(IConfiguration configuration, string data, TimeProvider time, string action, string detail)
    {
        var options = new CentralOptions();
        configuration.GetSection(CentralOptions.SectionName).Bind(options);
        options.DataDirectory = data;
        using var store = CentralApp.OpenStore(options, time);
        await store.AppendAuditAsync(new AuditRecord(time.GetUtcNow(), "cli:" + Environment.UserName, action, detail));
    }

    private static async Task<int> Report(AccountChange change, string done, TextWriter output, TextWriter error, Func<Task>? audit = null)
    {
        if (change.Done)
        {
            if (audit is not null)
            {
                await audit();
            }

            await output.WriteLineAsync(done);
            return 0;
        }

        await error.WriteLineAsync($"user: {change.Error}");
        return 1;
    }

    private static async Task<int> UsageError(TextWriter error, string message)
    {
        await error.WriteLineAsync($"user: {message}{Environment.NewLine}{Usage}");
        return 2;
    }
}
