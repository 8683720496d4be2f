using System.Globalization;
using System.Security.Claims;
using GateKiosk.Central.Storage;
using Microsoft.AspNetCore.Mvc;

namespace GateKiosk.Central.Web.Exports;

/// <summary>The formats events are exported in.</summary>
public static class ExportFormats
{
    public const string Csv = "csv";
    public const string Xlsx = "xlsx";

    public static bool IsValid(string? format) => format is Csv or Xlsx;
}

/// <summary>
/// The filtered event log as a CSV or XLSX download, written as the rows are read (XLSX through a temporary file that
/// is deleted on close, since a zip cannot be written to the response synchronously), and recorded in the audit trail
/// with its filter and row count once written. A page handler and an API route both return it.
/// </summary>
internal sealed class EventExport(EventLog log, AuditTrail audit, EventQuery query, EventLogFilter filter, string format, bool withPersonalFields) : IResult, IActionResult
{
    /// <summary>The columns, as stable names scripts can rely on; <c>subject</c> only for roles with personal fields.</summary>
    public static IReadOnlyList<string> Columns(bool withPersonalFields) =>
        [
            "occurredAtLocal", "timeZone", "occurredAtUtc", "siteId", "kioskId", "seq", "type", "direction", "decision", "reason", "credentialKind",
            .. withPersonalFields ? new[] { "subject" } : [],
            "timeSource", "latencyMs",
        ];

    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ExecuteAsync(context.HttpContext);
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        var name = $"events-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.{format}";
        response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
        response.Headers.CacheControl = "no-store";
        long rows = 0;
        var recorded = false;

        // Recorded before the file's last bytes leave, so a client that has the whole file finds the record in place.
        Task RecordAsync(bool complete)
        {
            recorded = true;
            return audit.RecordAsync(httpContext, AuditActions.ExportEvents, Detail(filter, format, rows, complete));
        }

        try
        {
            var cancellationToken = httpContext.RequestAborted;
            var events = log.AllAsync(query, withPersonalFields, cancellationToken);
            if (format == ExportFormats.Csv)
            {
                response.ContentType = "text/csv; charset=utf-8";
                await using var csv = new CsvTable(response.Body);
                await csv.WriteRowAsync(Columns(withPersonalFields), cancellationToken);
                await foreach (var row in events)
                {
                    await csv.WriteRowAsync([.. Cells(row).Select(c => c switch { null => null, double d => d.ToString("0.###", CultureInfo.InvariantCulture), _ => Convert.ToString(c, CultureInfo.InvariantCulture) })], cancellationToken);
                    if (++rows % EventLog.ExportBatch == 0)
                    {
                        await csv.FlushAsync(cancellationToken);
                    }
                }

                await RecordAsync(complete: true);
            }
            else
            {
                response.ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
                await using var file = new FileStream(
                    Path.Combine(Path.GetTempPath(), "gk-export-" + Guid.NewGuid().ToString("N") + ".xlsx"),
                    FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
                using (var sheet = new XlsxTable(file, "events"))
                {
                    sheet.WriteRow([.. Columns(withPersonalFields)]);
                    await foreach (var row in events)
                    {
                        sheet.WriteRow(Cells(row));
                        rows++;
                    }
                }

                await RecordAsync(complete: true);
                file.Position = 0;
                response.ContentLength = file.Length;
                await file.CopyToAsync(response.Body, cancellationToken);
            }
        }
        finally
        {
            if (!recorded)
            {
                await RecordAsync(complete: false);
            }
        }
    }

    /// <summary>The audit detail: the format, the filter (a person as a short hash), the row count, and whether the export was cut short.</summary>
    public static string Detail(EventLogFilter filter, string format, long rows, bool complete)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return AuditTrail.Pairs(
            ("format", format),
            ("site", filter.Site),
            ("kiosk", filter.Kiosk),
            ("subject#", filter.Person is { } p ? Api.TraceEndpoints.SubjectHash("any", p) : null),
            ("decision", filter.Decision),
            ("reason", filter.Reason),
            ("type", filter.Type),
            ("from", filter.From),
            ("to", filter.To),
            ("rows", rows.ToString(CultureInfo.InvariantCulture)),
            ("incomplete", complete ? null : "true"));
    }

    private object?[] Cells(EventLogRow row)
    {
        var e = row.Event;
        return
        [
            row.LocalTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            row.TimeZone,
            e.OccurredAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            e.SiteId,
            e.KioskId,
            e.Seq,
            e.Type,
            e.Direction,
            e.Decision,
            e.Reason,
            e.CredentialKind,
            .. withPersonalFields ? new object?[] { e.Subject } : [],
            e.TimeSource,
            e.LatencyMs,
        ];
    }

    /// <summary>The export of <paramref name="filter"/> for the request's user, or null with <paramref name="errors"/> filled.</summary>
    public static EventExport? For(HttpContext http, EventLogFilter filter, string? format, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(errors);
        if (!ExportFormats.IsValid(format))
        {
            errors.Add("'format' must be csv or xlsx.");
        }

        var log = http.RequestServices.GetRequiredService<EventLog>();
        ClaimsPrincipal user = http.User;
        var query = log.Query(filter with { Cursor = null }, user, EventLog.ExportBatch, errors);
        return query is null || errors.Count > 0
            ? null
            : new EventExport(log, http.RequestServices.GetRequiredService<AuditTrail>(), query, filter with { Cursor = null }, format!, EventLog.WithPersonalFields(user));
    }
}
