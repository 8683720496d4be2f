using System.Globalization;
using System.Text;
using System.Text.Json;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Tracing;
using GateKiosk.Contracts;

namespace GateKiosk.Central.Api;

/// <summary><c>GET /api/reports/daily</c>: one site's local day in counts (docs/tracing.md), as JSON or CSV.</summary>
internal static class ReportEndpoints
{
    public static async Task<IResult> GetDailyAsync(HttpContext context, IReportQueries store, SiteClock clock)
    {
        var q = context.Request.Query;
        var errors = new List<string>();
        var site = q["site"].ToString();
        if (!Ids.IsValid(site))
        {
            errors.Add("'site' must be a site id of [a-z0-9-].");
        }

        if (!DateOnly.TryParseExact(q["date"].ToString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            errors.Add("'date' must be a day as YYYY-MM-DD.");
        }

        var format = q["format"].ToString();
        if (format is not ("" or "json" or "csv"))
        {
            errors.Add("'format' must be json or csv.");
        }

        if (errors.Count > 0)
        {
            return Results.Json(new ApiError("bad-request", string.Join(" ", errors)), CentralJsonContext.Default.ApiError, statusCode: 400);
        }

        var start = clock.StartOf(date);
        var end = clock.StartOf(date.AddDays(1));
        var counts = await store.GetDailyCountsAsync(site, date, start, end, context.RequestAborted);
        var report = new DailyReport(site, date, clock.Zone.Id, start, end, counts);
        return format == "csv"
            ? Results.Bytes(Encoding.UTF8.GetBytes(report.ToCsv()), "text/csv; charset=utf-8", $"daily-{site}-{date:yyyy-MM-dd}.csv")
            : Results.Bytes(report.ToJson(), "application/json; charset=utf-8");
    }
}

/// <summary>
/// The daily report of one site's local day. Declarations and web check-ins are 0 until central takes them; per kiosk
/// only the events are counted (hours online and offline periods need a status history central does not keep yet).
/// </summary>
internal sealed record DailyReport(string Site, DateOnly Date, string TimeZone, DateTimeOffset From, DateTimeOffset To, DailyCounts Counts)
{
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("site", Site);
            w.WriteString("date", Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            w.WriteString("timeZone", TimeZone);
            w.WriteString("from", TraceEndpoints.Rfc3339(From));
            w.WriteString("to", TraceEndpoints.Rfc3339(To));
            w.WriteNumber("entriesAllowed", Counts.EntriesAllowed);
            w.WriteStartObject("entriesDenied");
            w.WriteNumber("total", Counts.DeniedByReason.Values.Sum());
            w.WriteStartObject("byReason");
            foreach (var (reason, n) in Counts.DeniedByReason)
            {
                w.WriteNumber(reason, n);
            }

            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteNumber("distinctPeople", Counts.DistinctPeople);
            w.WriteStartObject("declarations");
            w.WriteNumber("clear", 0);
            w.WriteNumber("refer", 0);
            w.WriteEndObject();
            w.WriteNumber("webCheckins", 0);
            w.WriteStartArray("kiosks");
            foreach (var (kiosk, n) in Counts.KioskEvents)
            {
                w.WriteStartObject();
                w.WriteString("kiosk", kiosk);
                w.WriteNumber("events", n);
                w.WriteNull("hoursOnline");
                w.WriteNull("offlinePeriods");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            WriteTime(w, "firstEntry", Counts.FirstEntry);
            WriteTime(w, "lastEntry", Counts.LastEntry);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// <c>site,date,metric,key,value</c>, one line per count (<c>entriesDenied</c> per reason, <c>kioskEvents</c> per
    /// kiosk); cells a spreadsheet would read as a formula are neutralised.
    /// </summary>
    public string ToCsv()
    {
        var sb = new StringBuilder("site,date,metric,key,value\r\n");
        var day = Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        void Line(string metric, string key, string value) =>
            sb.Append(Csv.Cell(Site)).Append(',').Append(day).Append(',').Append(metric).Append(',').Append(Csv.Cell(key)).Append(',').Append(Csv.Cell(value)).Append("\r\n");

        Line("entriesAllowed", "", Counts.EntriesAllowed.ToString(CultureInfo.InvariantCulture));
        Line("entriesDeniedTotal", "", Counts.DeniedByReason.Values.Sum().ToString(CultureInfo.InvariantCulture));
        foreach (var (reason, n) in Counts.DeniedByReason)
        {
            Line("entriesDenied", reason, n.ToString(CultureInfo.InvariantCulture));
        }

        Line("distinctPeople", "", Counts.DistinctPeople.ToString(CultureInfo.InvariantCulture));
        Line("declarations", "clear", "0");
        Line("declarations", "refer", "0");
        Line("webCheckins", "", "0");
        foreach (var (kiosk, n) in Counts.KioskEvents)
        {
            Line("kioskEvents", kiosk, n.ToString(CultureInfo.InvariantCulture));
        }

        Line("firstEntry", "", Counts.FirstEntry is { } first ? TraceEndpoints.Rfc3339(first) : "");
        Line("lastEntry", "", Counts.LastEntry is { } last ? TraceEndpoints.Rfc3339(last) : "");
        return sb.ToString();
    }

    private static void WriteTime(Utf8JsonWriter w, string name, DateTimeOffset? at)
    {
        if (at is { } t)
        {
            w.WriteString(name, TraceEndpoints.Rfc3339(t));
        }
        else
        {
            w.WriteNull(name);
        }
    }
}

/// <summary>CSV cells for spreadsheets.</summary>
internal static class Csv
{
    /// <summary>
    /// A cell: one starting with <c>= + - @</c>, tab or carriage return gets a leading apostrophe, so a spreadsheet shows
    /// it as text instead of running it as a formula; one holding a comma, quote or line break is quoted.
    /// </summary>
    public static string Cell(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
