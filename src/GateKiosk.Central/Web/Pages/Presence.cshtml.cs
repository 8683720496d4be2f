using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using GateKiosk.Central.People;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GateKiosk.Central.Web.Pages;

/// <summary>Who is on each of the user's sites now. Admins, managers and guards.</summary>
[Authorize(Policy = Policies.Live)]
internal sealed class PresenceModel(PresenceService presence) : PageModel
{
    public IReadOnlyList<(string Site, TimeZoneInfo Zone, IReadOnlyList<OnSite> People)> Sites { get; private set; } = [];

    /// <summary>Admins and managers may export who is on site.</summary>
    public bool MayExport { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        MayExport = User.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value is Roles.Admin or Roles.Manager;
        var scope = SiteScope.Of(User);
        var sites = new List<(string, TimeZoneInfo, IReadOnlyList<OnSite>)>();
        foreach (var site in await presence.SitesAsync(scope.Allows, cancellationToken))
        {
            sites.Add((site, presence.ZoneOf(site), await presence.OnSiteAsync(site, cancellationToken)));
        }

        Sites = sites;
    }
}
