using System.Security.Claims;
using GateKiosk.Central.Api;
using GateKiosk.Central.Storage;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GateKiosk.Central.Web.Pages;

/// <summary>The live table's rows alone, rendered on the server for the live tail's script.</summary>
public sealed class LiveRowsModel(IEventQueries store) : PageModel
{
    public IReadOnlyList<EventRow> Events { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var personal = User.FindFirst(ClaimTypes.Role)?.Value is { } role && Policies.PersonalEventRoles.Contains(role);
        Events = await LiveEvents.LatestAsync(store, personal, cancellationToken);
    }
}
