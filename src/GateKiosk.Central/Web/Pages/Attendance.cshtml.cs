using System.Globalization;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using GateKiosk.Central.People;
using GateKiosk.Central.Web.Exports;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GateKiosk.Central.Web.Pages;

/// <summary>
/// First entry and last exit per person per day over a date range, on the page or as CSV (audited with its filter and
/// row count). Admins and managers, for their sites.
/// </summary>
[Authorize(Policy = Policies.People)]
internal sealed class AttendanceModel(PresenceService presence, PeopleService people, TimeProvider time) : PageModel
{
    public IReadOnlyList<string> Sites { get; private set; } = [];

    public string? Site { get; private set; }

    public DateOnly From { get; private set; }

    public DateOnly To { get; private set; }

    public IReadOnlyList<AttendanceDay> Days { get; private set; } = [];

    public bool Truncated { get; private set; }

    public bool BadRange { get; private set; }

    public async Task OnGetAsync(string? site, string? from, string? to, CancellationToken cancellationToken)
    {
        if (await FilterAsync(site, from, to, cancellationToken) is { } sites)
        {
            (Days, Truncated) = await presence.AttendanceAsync(sites, From, To, cancellationToken);
        }
    }

    /// <summary>The columns of the attendance export, as stable names scripts can rely on.</summary>
    public static readonly string[] Columns = ["date", "site", "employee_id", "name", "credential_kind", "subject", "first_in", "last_out"];

    /// <summary>The same rows as CSV or XLSX, streamed; the export is audited with its format, filter and row count.</summary>
    public async Task<IActionResult> OnGetExportAsync(string? site, string? from, string? to, string? format, CancellationToken cancellationToken)
    {
        format ??= ExportFormats.Csv;
        if (!ExportFormats.IsValid(format) || await FilterAsync(site, from, to, cancellationToken) is not { } sites)
        {
            return BadRequest();
        }

        var (days, truncated) = await presence.AttendanceAsync(sites, From, To, cancellationToken);
        var rows = days.Select(d =>
        {
            var zone = presence.ZoneOf(d.Site);
            return new object?[]
            {
                d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Site, d.EmployeeId, d.Name, d.Kind, d.Subject, Local(d.FirstIn, zone), Local(d.LastOut, zone),
            };
        });
        var filter = $"site={Site ?? "*"} from={From:yyyy-MM-dd} to={To:yyyy-MM-dd}";
        var actor = PeopleServices.ActorOf(HttpContext);
        await TableExport.WriteAsync(Response, format, $"attendance-{From:yyyy-MM-dd}-{To:yyyy-MM-dd}", "attendance", Columns, rows,
            count => people.AuditAsync(actor, "attendance-export", $"format={format} {filter} rows={count}{(truncated ? " truncated" : "")}", CancellationToken.None),
            cancellationToken);
        return new EmptyResult();
    }

    /// <summary>The time zone of <paramref name="site"/>.</summary>
    public TimeZoneInfo ZoneOf(string site) => presence.ZoneOf(site);

    /// <summary>A time in the site's zone with its offset, or empty.</summary>
    public static string Local(DateTimeOffset? at, TimeZoneInfo zone) =>
        at is { } t ? TimeZoneInfo.ConvertTime(t, zone).ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture) : "";

    /// <summary>Reads the filter (today at the first site by default); the sites to read, or null when the filter is refused.</summary>
    private async Task<IReadOnlyList<string>?> FilterAsync(string? site, string? from, string? to, CancellationToken cancellationToken)
    {
        var scope = SiteScope.Of(User);
        Sites = await presence.SitesAsync(scope.Allows, cancellationToken);
        Site = string.IsNullOrEmpty(site) ? null : site;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), presence.ZoneOf(Site ?? "")).DateTime);
        From = Date(from) ?? today;
        To = Date(to) ?? From;
        if ((from is { Length: > 0 } && Date(from) is null) || (to is { Length: > 0 } && Date(to) is null)
            || To < From || To.DayNumber - From.DayNumber >= PresenceService.MaxAttendanceDays)
        {
            BadRange = true;
            return null;
        }

        if (Site is not null)
        {
            return Sites.Contains(Site, StringComparer.Ordinal) ? [Site] : [];
        }

        return Sites;
    }

    private static DateOnly? Date(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
}
