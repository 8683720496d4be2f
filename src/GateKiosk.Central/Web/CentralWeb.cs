using System.Globalization;
using System.Threading.RateLimiting;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Web;

/// <summary>
/// The managers' pages: Razor Pages rendered on the server (they work with scripts blocked; only the live tail
/// uses a small script), in Vietnamese by default or English by a per-browser cookie, under a Content-Security-Policy
/// that allows no inline script or style.
/// </summary>
internal static class CentralWeb
{
    /// <summary>Allows scripts, styles, images and fetches from central itself only: nothing inline, nothing framed.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static readonly CultureInfo[] Cultures = [new("vi"), new("en")];

    /// <summary>The rate limit of sign-in attempts per address (<see cref="CentralOptions.SignInAttemptsPerMinute"/>).</summary>
    public const string SignInLimit = "sign-in";

    public static IServiceCollection AddCentralWeb(this IServiceCollection services)
    {
        services.AddSingleton<IAccountStore>(sp => new SqliteAccountStore(
            Path.Combine(sp.GetRequiredService<IOptions<CentralOptions>>().Value.DataDirectory, "central.db")));
        services.AddSingleton<AccountService>();
        services.AddSingleton<AuditTrail>();
        services.AddSingleton(sp => new EventLog(sp.GetRequiredService<Storage.IEventQueries>(), sp.GetRequiredService<Declarations.SqliteSiteStore>()));
        services.AddLocalization();
        services.Configure<RouteOptions>(o => o.LowercaseUrls = true);
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "gatekiosk.antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.FormFieldName = "__antiforgery";
        });
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Web/Pages";

            // Every page needs a signed-in user unless it says otherwise; pages for fewer roles add their policy.
            o.Conventions.AuthorizeFolder("/", Policies.SignedIn);
        });
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;

            // Only attempts count (a POST); showing the form does not.
            o.AddPolicy(SignInLimit, static http => HttpMethods.IsPost(http.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(
                    http.Connection.RemoteIpAddress?.ToString() ?? "",
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = http.RequestServices.GetRequiredService<IOptions<CentralOptions>>().Value.SignInAttemptsPerMinute,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    })
                : RateLimitPartition.GetNoLimiter(""));
        });
        services.Configure<RequestLocalizationOptions>(o =>
        {
            o.DefaultRequestCulture = new RequestCulture("vi");
            o.SupportedCultures = Cultures;
            o.SupportedUICultures = Cultures;

            // Vietnamese unless the user chose otherwise: the browser's language is not consulted.
            o.RequestCultureProviders = [new CookieRequestCultureProvider()];
        });
        return services;
    }

    /// <summary>Security headers on every response, then the request's language.</summary>
    public static WebApplication UseCentralWeb(this WebApplication app)
    {
        app.Use(static (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            return next(context);
        });
        app.UseRequestLocalization();
        return app;
    }

    /// <summary>The pages and their two static files.</summary>
    public static WebApplication MapCentralWeb(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapGet("/static/{name}", (string name) => StaticFiles.TryGet(name) is { } file
            ? Results.Bytes(file.Content, file.ContentType)
            : Results.NotFound()).AllowAnonymous();
        return app;
    }
}

/// <summary>The stylesheet and the live tail's script, embedded in the executable.</summary>
internal static class StaticFiles
{
    private static readonly Dictionary<string, (byte[] Content, string ContentType)> Files = new(StringComparer.Ordinal)
    {
        ["site.css"] = (Load("site.css"), "text/css; charset=utf-8"),
        ["live.js"] = (Load("live.js"), "text/javascript; charset=utf-8"),
    };

    public static (byte[] Content, string ContentType)? TryGet(string name) => Files.TryGetValue(name, out var file) ? file : null;

    private static byte[] Load(string name)
    {
        using var stream = typeof(StaticFiles).Assembly.GetManifestResourceStream("GateKiosk.Central.Web.Static." + name)
            ?? throw new InvalidOperationException($"{name} is missing from the build.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}

/// <summary>The pages' text: <c>Strings.resx</c> (Vietnamese, the default) and <c>Strings.en.resx</c>.</summary>
public sealed class Strings
{
}
