using GateKiosk.Hosting;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Declarations;

/// <summary><c>gatekiosk-central site …</c>: the sites central knows, with their declaration forms.</summary>
internal static class SiteCommand
{
    public const string Usage = """
        Usage: gatekiosk-central site <command> [--data DIR]
          add --id ID --name NAME --address TEXT [--time-zone TZ] [--fields a,b,…] [--required a,b,…]
                                       add a site; ID as the kiosks' Kiosk:SiteId ([a-z0-9-]), NAME the unit's name,
                                       TZ its IANA time zone (default Asia/Ho_Chi_Minh): a declaration's pass ends at midnight there
                --fields               the form's fields (default all: fullName,idNumber,birthYear,sex,category,symptoms,contact,travel)
                --required             those that must be answered (default fullName,birthYear,sex)
          list                         sites: id, time zone, name, address
        --data DIR defaults to Central:DataDirectory. Exit code: 0 done, 1 refused, 2 usage error.
        """;

    private static readonly HashSet<string> Known = ["data", "id", "name", "address", "time-zone", "fields", "required"];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(time);
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
                return await UsageError(error, $"unknown option '--{name}'.");
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

        var data = values.GetValueOrDefault("data") ?? new ConfigurationBuilder().AddGateKioskSources(CentralApp.EtcFolder, []).Build()
            [$"{CentralOptions.SectionName}:{nameof(CentralOptions.DataDirectory)}"] ?? new CentralOptions().DataDirectory;
        Site? site = null;
        if (words[0] == "add")
        {
            var (parsed, problem) = ParseSite(values);
            if (problem is not null)
            {
                return await UsageError(error, problem);
            }

            site = parsed;
        }
        else if (words[0] != "list")
        {
            return await UsageError(error, $"unknown command '{words[0]}'.");
        }

        try
        {
            Directory.CreateDirectory(data);
            using var store = new SqliteSiteStore(Path.Combine(data, "central.db"));
            if (site is null)
            {
                foreach (var s in store.List())
                {
                    await output.WriteLineAsync($"{s.Id}\t{s.TimeZone}\t{s.Name}\t{s.Address}");
                }

                return 0;
            }

            if (!store.Add(site, time.GetUtcNow()))
            {
                await error.WriteLineAsync($"site: there is already a site '{site.Id}'.");
                return 1;
            }

            await output.WriteLineAsync($"added site {site.Id} ({site.TimeZone}): declaration page /d/{site.Id}");
            return 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SqliteException or InvalidOperationException)
        {
            await error.WriteLineAsync($"site: {ex.Message}");
            return 1;
        }
    }

    private static (Site? Site, string? Problem) ParseSite(Dictionary<string, string> values)
    {
        var id = values.GetValueOrDefault("id");
        if (SiteInput.CheckId(id) is not null)
        {
            return (null, "--id ID is required: 1–64 of [a-z0-9-], as the kiosks' Kiosk:SiteId.");
        }

        if (SiteInput.TryRead(values.GetValueOrDefault("name"), values.GetValueOrDefault("address"), values.GetValueOrDefault("time-zone"), out var details) is { } wrong)
        {
            return (null, wrong.Field switch
            {
                SiteInput.NameField => $"--name NAME is required (1–{Site.MaxNameLength} characters).",
                SiteInput.AddressField => $"--address TEXT is required (1–{Site.MaxAddressLength} characters).",
                _ => $"--time-zone '{values.GetValueOrDefault("time-zone")}' is not a known time zone (for example Asia/Ho_Chi_Minh).",
            });
        }

        var form = DeclarationForm.Default;
        if (values.GetValueOrDefault("fields") is { } fields)
        {
            form = form with { Fields = List(fields), Required = [.. form.Required.Where(List(fields).Contains)] };
        }

        if (values.GetValueOrDefault("required") is { } required)
        {
            form = form with { Required = List(required) };
        }

        return form.Problem() is { } problem ? (null, problem) : (new Site(id!, details.Name, details.Address, details.TimeZone, form), null);

        static string[] List(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static async Task<int> UsageError(TextWriter error, string message)
    {
        await error.WriteLineAsync($"site: {message}{Environment.NewLine}{Usage}");
        return 2;
    }
}
