using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using GateKiosk.Central.People;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace GateKiosk.Central.Web.Pages;

/// <summary>
/// The door direction of each kiosk of the user's sites (<c>in</c>, <c>out</c> or both), which presence and attendance
/// count passages by; each change audited. Admins and managers.
/// </summary>
[Authorize(Policy = Policies.People)]
internal sealed class DoorsModel(KioskDoorStore doors, IKioskSummaries kiosks, PresenceService presence, PeopleService people, TimeProvider time, IStringLocalizer<Strings> strings) : PageModel
{
    public IReadOnlyList<(string Site, string Kiosk, KioskDoor? Door)> Doors { get; private set; } = [];

    public string? Message { get; private set; }

    public bool Done { get; private set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(string? site, string? kiosk, string? direction, CancellationToken cancellationToken)
    {
        if (!Ids.IsValid(site) || !Ids.IsValid(kiosk) || !DoorDirections.IsValid(direction))
        {
            return BadRequest();
        }

        if (!SiteScope.Of(User).Allows(site!))
        {
            return Forbid();
        }

        var actor = PeopleServices.ActorOf(HttpContext);
        doors.Set(site!, kiosk!, direction!, actor.UserName, time.GetUtcNow());
        await people.AuditAsync(actor, "door-direction", $"site={site} kiosk={kiosk} direction={direction}", cancellationToken);
        Done = true;
        Message = strings["Doors.Saved"];
        await LoadAsync(cancellationToken);
        return Page();
    }

    public TimeZoneInfo ZoneOf(string site) => presence.ZoneOf(site);

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var scope = SiteScope.Of(User);
        var list = new List<(string, string, KioskDoor?)>();
        foreach (var group in (await kiosks.GetKiosksAsync(cancellationToken)).Where(k => k.SiteId.Length > 0 && scope.Allows(k.SiteId)).GroupBy(k => k.SiteId))
        {
            var set = doors.OfSite(group.Key);
            list.AddRange(group.Select(k => (k.SiteId, k.KioskId, set.GetValueOrDefault(k.KioskId))));
        }

        Doors = list;
    }
}
