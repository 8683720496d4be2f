using System.Globalization;
using System.Text.Json;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;

namespace GateKiosk.Central.Api;

/// <summary>The HTTP API (<c>/api/…</c>) and the dashboard page.</summary>
public static class ApiEndpoints
{
    private const int MaxLimit = 1000;

    /// <summary>
    /// Maps the API, the dashboard and who may call them: host filtering first, then the <see cref="ApiAccess.Policy"/>
    /// policy on every route of the <c>/api</c> group (and as the fallback), so letter case in the path cannot skip it.
    /// </summary>
    public static WebApplication MapCentral(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseHostFiltering();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        ApiAccess.CheckListenAddressesAtStart(app);

        // The page holds no data: it asks for the token and sends it to the API in a header.
        app.MapGet("/", () => Results.Content(Dashboard.Html, "text/html; charset=utf-8")).AllowAnonymous();
        app.MapGet("/healthz", () => Results.Text("ok")).AllowAnonymous();

        var api = app.MapGroup("/api").RequireAuthorization(ApiAccess.Policy);
        api.MapGet("/events", GetEvents);
        api.MapGet("/kiosks", async (IKioskSummaries store, CancellationToken cancellationToken) =>
            Results.Json(await store.GetKiosksAsync(cancellationToken), CentralJsonContext.Default.IReadOnlyListKioskSummary));
        api.MapGet("/kiosks/{site}/{kiosk}/chain", ChainEndpoints.GetChain);
        api.MapGet("/ingest", ChainEndpoints.GetIngest);
        return app;
    }

    private static IResult GetEvents(HttpContext context, IEventQueries store)
    {
        var q = context.Request.Query;
        var errors = new List<string>();
        string? Id(string key)
        {
            var v = q[key].ToString();
            if (v.Length == 0)
            {
                return null;
            }

            if (!Ids.IsValid(v))
            {
                errors.Add($"'{key}' must be an id of [a-z0-9-].");
            }

            return v;
        }

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

        var decision = q["decision"].ToString();
        if (decision.Length > 0 && decision is not (Decisions.Allow or Decisions.Deny))
        {
            errors.Add("'decision' must be allow or deny.");
        }

        var limit = 100;
        if (q["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxLimit))
        {
            errors.Add($"'limit' must be 1–{MaxLimit}.");
        }

        long? cursor = null;
        if (q["cursor"].ToString() is { Length: > 0 } c)
        {
            if (long.TryParse(c, CultureInfo.InvariantCulture, out var parsed))
            {
                cursor = parsed;
            }
            else
            {
                errors.Add("'cursor' must be the nextCursor of a previous page.");
            }
        }

        var subject = q["subject"].ToString();
        var query = new EventQuery(Id("site"), Id("kiosk"), subject.Length > 0 ? subject : null, decision.Length > 0 ? decision : null, Time("from"), Time("to"), limit, cursor);
        if (errors.Count > 0)
        {
            return Results.Json(new ApiError("bad-request", string.Join(" ", errors)), CentralJsonContext.Default.ApiError, statusCode: 400);
        }

        return new EventPageResult(store, query);
    }

    private sealed class EventPageResult(IEventQueries store, EventQuery query) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.ContentType = "application/json; charset=utf-8";
            var page = await store.GetEventsAsync(query, httpContext.RequestAborted);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                page.WriteTo(writer);
            }

            buffer.Position = 0;
            await buffer.CopyToAsync(httpContext.Response.Body, httpContext.RequestAborted);
        }
    }
}

/// <summary>An API error body.</summary>
public sealed record ApiError(string Error, string Message);
