using System.Globalization;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using GateKiosk.Central.People;
using GateKiosk.Central.Web.Exports;
using GateKiosk.Contracts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GateKiosk.Central.Web.Pages;

/// <summary>
/// Who is on the user's sites now (or on one of them) as a CSV or XLSX download, with safe marks; admins and managers.
/// Recorded in the audit trail with its format, site and row count.
/// </summary>
[Authorize(Policy = Policies.People)]
internal sealed class PresenceExportModel(PresenceService presence, PeopleService people) : PageModel
{
    /// <summary>The columns, as stable names scripts can rely on.</summary>
    public static readonly string[] Columns = ["site", "employee_id", "name", "credential_kind", "subject", "door", "time_in", "safe_by", "safe_at"];

    public async Task<IActionResult> OnGetAsync(string? format, string? site, CancellationToken cancellationToken)
    {
        if (!ExportFormats.IsValid(format) || (!string.IsNullOrEmpty(site) && !Ids.IsValid(site)))
        {
            return BadRequest();
        }

        var scope = SiteScope.Of(User);
        if (!string.IsNullOrEmpty(site) && !scope.Allows(site))
        {
            return Forbid();
        }

        var sites = string.IsNullOrEmpty(site) ? await presence.SitesAsync(scope.Allows, cancellationToken) : [site];
        var rows = new List<object?[]>();
        foreach (var s in sites)
        {
            var zone = presence.ZoneOf(s);
            foreach (var p in await presence.OnSiteAsync(s, cancellationToken))
            {
                rows.Add([s, p.EmployeeId, p.Name, p.Kind, p.Subject, p.Door, AttendanceModel.Local(p.In, zone), p.Safe?.MarkedBy, p.Safe is { } m ? AttendanceModel.Local(m.MarkedAt, zone) : null]);
            }
        }

        var actor = PeopleServices.ActorOf(HttpContext);
        var name = "presence-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        await TableExport.WriteAsync(Response, format!, name, "presence", Columns, rows,
            count => people.AuditAsync(actor, "presence-export", $"format={format} site={(string.IsNullOrEmpty(site) ? "*" : site)} rows={count}", CancellationToken.None),
            cancellationToken);
        return new EmptyResult();
    }
}
