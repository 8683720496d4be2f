using GateKiosk.Hosting;

namespace GateKiosk.Central;

/// <summary>The central executable: <c>gatekiosk-central VERB [--Section:Key=value ...]</c>.</summary>
internal static class Program
{
    private const string Usage = """
        Usage: gatekiosk-central <command> [--Section:Key=value ...]

        Commands:
          serve   the central service: collect events from the broker, store them, serve the API and the managers' pages
                  (serve --no-collect: the API and the pages alone, beside processes that collect; see Central:CollectorGroup)
          pass    issuer keys, the kiosks' trust list, and signed passes as text + QR (pass --help)
          user    central's users, roles and personal API tokens (user --help)
          site    the sites: name, address, time zone and declaration form (site --help)
          poster  a site's A4 QR poster for its entrance, as PDF or SVG (poster --help)

        Configuration: appsettings.json, /etc/gatekiosk/central/*.json, GATEKIOSK_Section__Key environment variables
        and --Section:Key=value arguments (see README.md for every key).
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        var rest = args[1..];
        switch (args[0])
        {
            case "serve":
                return await HostRunner.RunAsync(CentralApp.Build(ServeArguments(rest)), Console.Error);
            case "pass":
                if (rest.Length == 0 || rest[0] is "-h" or "--help")
                {
                    Console.WriteLine(Passes.PassCommand.Usage);
                    return rest.Length == 0 ? 2 : 0;
                }

                return await Passes.PassCommand.RunAsync(rest, Console.Out, Console.Error, TimeProvider.System);
            case "user":
                if (rest.Length == 0 || rest[0] is "-h" or "--help")
                {
                    Console.WriteLine(Accounts.UserCommand.Usage);
                    return rest.Length == 0 ? 2 : 0;
                }

                return await Accounts.UserCommand.RunAsync(
                    rest, Console.In, Console.Out, Console.Error, TimeProvider.System, Console.IsInputRedirected ? null : Accounts.UserCommand.ReadPasswordFromConsole);
            case "site":
                if (rest.Length == 0 || rest[0] is "-h" or "--help")
                {
                    Console.WriteLine(Declarations.SiteCommand.Usage);
                    return rest.Length == 0 ? 2 : 0;
                }

                return await Declarations.SiteCommand.RunAsync(rest, Console.Out, Console.Error, TimeProvider.System);
            case "poster":
                if (rest.Length == 0 || rest[0] is "-h" or "--help")
                {
                    Console.WriteLine(Declarations.PosterCommand.Usage);
                    return rest.Length == 0 ? 2 : 0;
                }

                return await Declarations.PosterCommand.RunAsync(rest, Console.Out, Console.Error);
            default:
                await Console.Error.WriteLineAsync($"Unknown command '{args[0]}'.{Environment.NewLine}{Usage}");
                return 2;
        }
    }

    /// <summary>The serve command's arguments as configuration: <c>--no-collect</c> is <c>--Central:Collect=false</c>.</summary>
    internal static string[] ServeArguments(string[] args) =>
        [.. args.Select(a => a == "--no-collect" ? $"--{CentralOptions.SectionName}:{nameof(CentralOptions.Collect)}=false" : a)];
}
