using System.Globalization;
using System.Text.Json;
using System.Threading.RateLimiting;
using GateKiosk.Central.Api;
using GateKiosk.Contracts;
using GateKiosk.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Declarations;

/// <summary>
/// Sites and declarations over HTTP: the public <c>POST /api/public/declarations/{site}</c> (no sign-in, rate-limited
/// per address, body at most <see cref="MaxBodyBytes"/>), the sites (<see cref="SiteEndpoints"/>), and
/// <c>GET /api/declarations</c> (the answers: personal data) for admins and health officers.
/// </summary>
internal static class DeclarationEndpoints
{
    /// <summary>The rate limit of declarations per address (<see cref="DeclarationOptions.SubmissionsPerMinute"/>).</summary>
    public const string SubmitLimit = "declarations";

    /// <summary>A declaration is a few hundred bytes; anything much larger is not one.</summary>
    public const int MaxBodyBytes = 8 * 1024;

    private const int MaxLimit = 1000;

    public static IServiceCollection AddDeclarations(this IServiceCollection services)
    {
        services.AddValidatedOptions<DeclarationOptions, DeclarationOptionsValidator>(DeclarationOptions.SectionName, static (c, o) => c.Bind(o));
        services.AddSingleton(sp => new SqliteSiteStore(Path.Combine(sp.GetRequiredService<IOptions<CentralOptions>>().Value.DataDirectory, "central.db")));
        services.AddSingleton<DeclarationService>();
        services.AddSingleton<SiteEditor>();
        services.Configure<RateLimiterOptions>(o =>
            o.AddPolicy(SubmitLimit, static http => HttpMethods.IsPost(http.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(
                    http.Connection.RemoteIpAddress?.ToString() ?? "",
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = http.RequestServices.GetRequiredService<IOptions<DeclarationOptions>>().Value.SubmissionsPerMinute,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    })
                : RateLimitPartition.GetNoLimiter("")));
        return services;
    }

    public static WebApplication MapDeclarations(this WebApplication app)
    {
        app.MapPost("/api/public/declarations/{site}", SubmitAsync).AllowAnonymous().RequireRateLimiting(SubmitLimit).DisableAntiforgery();
        app.MapGet("/api/declarations", GetDeclarations).RequireAuthorization(ApiAccess.Policy, Policies.ApiHealth);
        app.MapSites();
        return app;
    }

    /// <summary>The URL of a site's declaration page, as the poster's QR code holds it.</summary>
    public static string PageUrl(DeclarationOptions options, CentralOptions central, string siteId) => options.BaseUrl(central) + "/d/" + siteId;

    private static async Task<IResult> SubmitAsync(string site, HttpContext http, DeclarationService declarations)
    {
        if (!Ids.IsValid(site) || declarations.Sites.Find(site) is not { } known)
        {
            return Results.Json(new ApiError("not-found", "There is no such site."), CentralJsonContext.Default.ApiError, statusCode: StatusCodes.Status404NotFound);
        }

        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return TooLarge();
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        if (http.Request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Invalid(new DeclarationError("body", "send the answers as application/json."));
        }

        DeclarationAnswers given;
        try
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, new JsonDocumentOptions { MaxDepth = 4 }, http.RequestAborted);
            if (DeclarationInput.TryRead(document.RootElement, out given) is { } readError)
            {
                return Invalid(readError);
            }
        }
        catch (JsonException)
        {
            return Invalid(new DeclarationError("body", "the body is not valid JSON."));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }

        return await declarations.SubmitAsync(known, given, http.RequestAborted) switch
        {
            { Reply: { } reply } => Results.Json(reply, DeclarationJson.Default.DeclarationReply),
            { Error: { } error } => Invalid(error),
            _ => Results.Json(new ApiError("unavailable", "Central has no issuer key yet ('gatekiosk-central pass key create')."), CentralJsonContext.Default.ApiError, statusCode: StatusCodes.Status503ServiceUnavailable),
        };
    }

    private static IResult Invalid(DeclarationError error) =>
        Results.Json(new DeclarationProblem("invalid", error.Field, $"{error.Field} {error.Message}"), DeclarationJson.Default.DeclarationProblem, statusCode: StatusCodes.Status400BadRequest);

    private static IResult TooLarge() =>
        Results.Json(new ApiError("too-large", $"A declaration is at most {MaxBodyBytes} bytes."), CentralJsonContext.Default.ApiError, statusCode: StatusCodes.Status413PayloadTooLarge);

    /// <summary><c>?site=&amp;from=&amp;to=&amp;limit=&amp;cursor=</c>: declarations newest first.</summary>
    private static IResult GetDeclarations(HttpRequest request, DeclarationService declarations)
    {
        var q = request.Query;
        var errors = new List<string>();
        var site = q["site"].ToString();
        if (site.Length > 0 && !Ids.IsValid(site))
        {
            errors.Add("'site' must be an id of [a-z0-9-].");
        }

        var from = Time("from") ?? DateTimeOffset.UnixEpoch;
        var to = Time("to") ?? DateTimeOffset.MaxValue.AddDays(-1);
        var limit = 100;
        if (q["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            errors.Add($"'limit' must be 1–{MaxLimit}.");
        }

        var before = long.MaxValue;
        if (q["cursor"].ToString() is { Length: > 0 } c && (!long.TryParse(c, CultureInfo.InvariantCulture, out before) || before < 1))
        {
            errors.Add("'cursor' must be the nextCursor of a previous page.");
        }

        if (errors.Count > 0)
        {
            return Results.Json(new ApiError("bad-request", string.Join(" ", errors)), CentralJsonContext.Default.ApiError, statusCode: StatusCodes.Status400BadRequest);
        }

        var rows = declarations.Sites.Declarations(site.Length > 0 ? site : null, from, to, before, limit + 1);
        var items = rows.Take(limit).Select(r => new DeclarationView(
            r.Id, r.SiteId, r.SubmittedAt, r.Subject, r.Status, r.PassId,
            JsonSerializer.Deserialize(r.AnswersJson, DeclarationJson.Default.DeclarationAnswers) ?? new DeclarationAnswers())).ToList();
        var next = rows.Count > limit ? items[^1].Id.ToString(CultureInfo.InvariantCulture) : null;
        return Results.Json(new DeclarationPage(items, next), DeclarationJson.Default.DeclarationPage);

        DateTimeOffset? Time(string key)
        {
            var v = q[key].ToString();
            if (v.Length == 0)
            {
                return null;
            }

            if (DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            {
                return t;
            }

            errors.Add($"'{key}' must be an RFC 3339 time such as 2026-11-27T08:00:00Z.");
            return null;
        }
    }
}
