using GateKiosk.Central.Api;
using GateKiosk.Central.Web.Exports;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GateKiosk.Central.Web.Pages;

/// <summary>The event log's filter as a CSV or XLSX download (admins and managers), recorded in the audit trail.</summary>
[Authorize(Policy = Policies.People)]
public sealed class EventsExportModel : PageModel
{
    public IActionResult OnGet(string? format)
    {
        var errors = new List<string>();
        return (IActionResult?)EventExport.For(HttpContext, EventLogFilter.FromQuery(Request.Query), format, errors)
            ?? BadRequest(string.Join(" ", errors));
    }
}
