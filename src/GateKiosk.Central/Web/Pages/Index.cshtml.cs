using System.Security.Claims;
using GateKiosk.Central.Api;
using GateKiosk.Central.Storage;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GateKiosk.Central.Web.Pages;

/// <summary>The live view: kiosks and the latest entries; subjects only for roles that may see personal fields.</summary>
public sealed class IndexModel(IKioskSummaries kiosks, IEventQueries events) : PageModel
{
    public IReadOnlyList<KioskSummary> Kiosks { get; private set; } = [];

    public IReadOnlyList<EventRow> Events { get; private set; } = [];

    public bool WithPersonalFields { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        WithPersonalFields = User.FindFirst(ClaimTypes.Role)?.Value is { } role && Policies.PersonalEventRoles.Contains(role);
        Kiosks = await kiosks.GetKiosksAsync(cancellationToken);
        Events = await LiveEvents.LatestAsync(events, WithPersonalFields, cancellationToken);
    }
}
