using System.Globalization;
using System.Text.Json;
using GateKiosk.Central.Collecting;
using GateKiosk.Central.Declarations;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Web;
using GateKiosk.Contracts;

namespace GateKiosk.Central.Api;

/// <summary>The HTTP API (<c>/api/…</c>) and the pages.</summary>
public static class ApiEndpoints
{
    private const int MaxLimit = 1000;

    /// <summary>
    /// Maps the API, the pages and who may call them: host filtering first, then the <see cref="ApiAccess.Policy"/>
    /// policy on every route of the <c>/api</c> group (and as the fallback), so letter case in the path cannot skip it;
    /// pages declare their own policies.
    /// </summary>
    public static WebApplication MapCentral(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseHostFiltering();
        app.UseCentralWeb();
        app.UseRouting();
        var metrics = app.Services.GetRequiredService<CentralMetrics>();
        metrics.ObserveAtScrape(() => app.Services.GetRequiredService<MqttEventCollector>().IsConnected, app.Services.GetRequiredService<KioskHealthStore>());
        var time = app.Services.GetRequiredService<TimeProvider>();
        app.Use(async (context, next) =>
        {
            var started = time.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                // The route pattern, never the path: the label set stays bounded whatever is requested.
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                metrics.ApiRequest(route, context.Request.Method, context.Response.StatusCode, time.GetElapsedTime(started));
            }
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        ApiAccess.CheckListenAddressesAtStart(app);

        app.MapCentralWeb();
        app.MapGet("/healthz", GetHealthAsync).AllowAnonymous();
        app.MapGet("/metrics", async (HttpContext context, CentralMetrics m) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await m.WriteAsync(context.Response.Body, context.RequestAborted);
        }).RequireAuthorization(ApiAccess.Policy);

        var api = app.MapGroup("/api").RequireAuthorization(ApiAccess.Policy);
        api.MapGet("/events", GetEvents).RequireAuthorization(Policies.ApiPersonalEvents);
        api.MapGet("/events/export", ExportEvents).RequireAuthorization(Policies.ApiExports);
        api.MapGet("/kiosks", GetKiosksAsync);
        api.MapGet("/kiosks/{site}/{kiosk}/chain", ChainEndpoints.GetChain);
        api.MapGet("/ingest", ChainEndpoints.GetIngest);
        api.MapGet("/trace", TraceEndpoints.GetTraceAsync).RequireAuthorization(Policies.ApiHealth);
        api.MapGet("/reports/daily", ReportEndpoints.GetDailyAsync);
        api.MapGet("/quarantine", QuarantineEndpoint.GetAsync).RequireAuthorization(Policies.ApiAdmin);
        app.MapDeclarations();
        return app;
    }

    /// <summary>
    /// 503 with which part is down when the collector is not connected and subscribed, or the store does not take a
    /// write. A process that does not collect (<c>Central:Collect=false</c>) answers for its store alone.
    /// </summary>
    private static async Task<IResult> GetHealthAsync(MqttEventCollector collector, KioskHealthStore health, Microsoft.Extensions.Options.IOptions<CentralOptions> options)
    {
        var collects = options.Value.Collect;
        var connected = !collects || collector.IsSubscribed;
        var writable = await health.ProbeWritableAsync(TimeSpan.FromSeconds(3));
        var ok = connected && writable;
        return Results.Json(
            new HealthReport(ok ? "ok" : "unavailable", !collects ? "not-collecting" : connected ? "connected" : "disconnected", writable ? "writable" : "not-writable"),
            CentralJsonContext.Default.HealthReport,
            statusCode: ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>Site, then kiosk, by ordinal comparison: ids are lower-case ASCII, and a culture's rules cost far more.</summary>
    /// <summary>Every kiosk with its summary, <c>stale</c> and <c>health</c> (see <see cref="KioskList"/>), streamed as one JSON array.</summary>
    private static async Task<IResult> GetKiosksAsync(KioskList kiosks, CancellationToken cancellationToken)
    {
        var rows = await kiosks.GetRowsAsync(cancellationToken);
        return Results.Stream(
            async body =>
            {
                await using var writer = new Utf8JsonWriter(body);
                writer.WriteStartArray();
                foreach (var row in rows)
                {
                    writer.WriteRawValue(row, skipInputValidation: true);
                    if (writer.BytesPending > 32 * 1024)
                    {
                        await writer.FlushAsync(cancellationToken);
                    }
                }

                writer.WriteEndArray();
                await writer.FlushAsync(cancellationToken);
            },
            "application/json; charset=utf-8");
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
        var query = new EventQuery(
            Id("site"), Id("kiosk"), subject.Length > 0 ? subject : null, decision.Length > 0 ? decision : null, Time("from"), Time("to"), limit, cursor,
            Id("reason"), Id("type"), EventLog.SitesOf(context.User));
        if (errors.Count > 0)
        {
            return Results.Json(new ApiError("bad-request", string.Join(" ", errors)), CentralJsonContext.Default.ApiError, statusCode: 400);
        }

        return new EventPageResult(store, query);
    }

    /// <summary>
    /// The filtered events as CSV or XLSX (<c>format</c>), with the event log page's filters; times without a zone are
    /// the site's local time. Recorded in the audit trail with its filter and row count.
    /// </summary>
    private static IResult ExportEvents(HttpContext context)
    {
        var errors = new List<string>();
        var export = Web.Exports.EventExport.For(context, EventLogFilter.FromQuery(context.Request.Query), context.Request.Query["format"].ToString(), errors);
        return export is not null
            ? export
            : Results.Json(new ApiError("bad-request", string.Join(" ", errors)), CentralJsonContext.Default.ApiError, statusCode: 400);
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

/// <summary>The body of <c>/healthz</c>: <c>status</c> ok or unavailable, <c>collector</c> connected or disconnected, <c>store</c> writable or not-writable.</summary>
public sealed record HealthReport(string Status, string Collector, string Store);

/// <summary>An API error body.</summary>
public sealed record ApiError(string Error, string Message);
