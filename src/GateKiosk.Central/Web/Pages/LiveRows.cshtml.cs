using System.Security.Claims;
using GateKiosk.Central.Api;
using GateKiosk.Central.Storage;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GateKiosk.Central.Web.Pages;

/// <summary>The live table's rows alone, rendered on the server for the live tail's script.</summary>
public sealed class LiveRowsModel(SqliteEventStore store) : PageModel
{
    public IReadOnlyList<EventRow> Events { get; private set; } = [];

    public void OnGet()
    {
        var personal = User.FindFirst(ClaimTypes.Role)?.Value is { } role && Policies.PersonalEventRoles.Contains(role);
        Events = LiveEvents.Latest(store, personal);
    }
}
