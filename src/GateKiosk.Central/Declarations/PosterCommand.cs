using GateKiosk.Contracts;
using GateKiosk.Hosting;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Declarations;

/// <summary><c>gatekiosk-central poster --site SITE [--out FILE.pdf|.svg|.png]</c>: the site's A4 QR poster.</summary>
internal static class PosterCommand
{
    public const string Usage = """
        Usage: gatekiosk-central poster --site SITE [--out FILE.pdf|FILE.svg|FILE.png] [--url BASE] [--data DIR]
          the site's A4 poster: the unit's name in capitals, its address, the QR code of its declaration page
          BASE/d/SITE and the three steps in Vietnamese and English. --out defaults to poster-SITE.pdf; a .png is
          A4 at 150 dpi (1240 x 1754 pixels). BASE defaults to Declarations:PublicUrl, else the first of Central:Urls.
        --data DIR defaults to Central:DataDirectory. Exit code: 0 done, 1 refused, 2 usage error.
        """;

    private static readonly HashSet<string> Known = ["data", "site", "out", "url"];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : null;
            if (name is null || !Known.Contains(name))
            {
                return await UsageError(error, name is null ? $"unexpected '{args[i]}'." : $"unknown option '--{name}'.");
            }

            if (i + 1 >= args.Length)
            {
                return await UsageError(error, $"--{name} needs a value.");
            }

            values[name] = args[++i];
        }

        if (values.GetValueOrDefault("site") is not { } siteId || !Ids.IsValid(siteId))
        {
            return await UsageError(error, "--site SITE is required (a site id of [a-z0-9-]).");
        }

        var file = values.GetValueOrDefault("out") ?? $"poster-{siteId}.pdf";
        if (PosterFormats.Parse(Path.GetExtension(file)) is not { } format)
        {
            return await UsageError(error, "--out must end in .pdf, .svg or .png.");
        }

        var configuration = new ConfigurationBuilder().AddGateKioskSources(CentralApp.EtcFolder, []).Build();
        var central = new CentralOptions();
        configuration.GetSection(CentralOptions.SectionName).Bind(central);
        var declarations = new DeclarationOptions();
        configuration.GetSection(DeclarationOptions.SectionName).Bind(declarations);
        if (values.GetValueOrDefault("url") is { } url)
        {
            declarations.PublicUrl = url;
        }

        if (new DeclarationOptionsValidator().Validate(null, declarations) is { Failed: true } invalid)
        {
            return await UsageError(error, invalid.FailureMessage);
        }

        try
        {
            Site? site;
            using (var store = new SqliteSiteStore(Path.Combine(values.GetValueOrDefault("data") ?? central.DataDirectory, "central.db")))
            {
                site = store.Find(siteId);
            }

            if (site is null)
            {
                await error.WriteLineAsync($"poster: there is no site '{siteId}' ('gatekiosk-central site add' first).");
                return 1;
            }

            var poster = Poster.For(site, DeclarationEndpoints.PageUrl(declarations, central, site.Id));
            await using (var stream = File.Create(file))
            {
                poster.Write(stream, format);
            }

            await output.WriteLineAsync($"wrote the poster of {site.Id} to {file}: QR code {poster.Url}");
            return 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SqliteException or InvalidOperationException)
        {
            await error.WriteLineAsync($"poster: {ex.Message}");
            return 1;
        }
    }

    private static async Task<int> UsageError(TextWriter error, string message)
    {
        await error.WriteLineAsync($"poster: {message}{Environment.NewLine}{Usage}");
        return 2;
    }
}
