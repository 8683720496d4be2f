using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using GateKiosk.Central.People;
using GateKiosk.Contracts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GateKiosk.Central.Web.Pages;

/// <summary>
/// The muster list of one site: everyone on site now, each marked safe by a guard (who and when, kept and audited).
/// It prints without the navigation and the buttons. Admins, managers and guards of the site.
/// </summary>
[Authorize(Policy = Policies.Live)]
internal sealed class MusterModel(PresenceService presence, PeopleService people, TimeProvider time) : PageModel
{
    public string Site { get; private set; } = "";

    public TimeZoneInfo Zone { get; private set; } = TimeZoneInfo.Utc;

    public DateTimeOffset Now { get; private set; }

    public IReadOnlyList<OnSite> OnSite { get; private set; } = [];

    /// <summary>The user's sites, when none was asked for.</summary>
    public IReadOnlyList<string> Sites { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string? site, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(site))
        {
            Sites = await presence.SitesAsync(SiteScope.Of(User).Allows, cancellationToken);
            return Page();
        }

        return await LoadAsync(site, cancellationToken) ? Page() : Forbid();
    }

    public async Task<IActionResult> OnPostSafeAsync(string? site, string? kind, string? subject, CancellationToken cancellationToken)
    {
        if (site is null || kind is null || subject is null || !await LoadAsync(site, cancellationToken))
        {
            return Forbid();
        }

        // Only someone on the list can be marked: a made-up subject would fill the table.
        if (!OnSite.Any(p => p.Kind == kind && p.Subject == subject))
        {
            return BadRequest();
        }

        var actor = PeopleServices.ActorOf(HttpContext);
        people.Store.AddSafeMark(new SafeMark(site, kind, subject, actor.UserName, time.GetUtcNow()));
        var person = OnSite.First(p => p.Kind == kind && p.Subject == subject);
        var who = person.EmployeeId is not null && people.Store.FindByEmployeeId(person.EmployeeId) is { } staff ? $"person={staff.Id}" : $"subject={AccountService.ShortHash(kind + ":" + subject)}";
        await people.AuditAsync(actor, "mark-safe", $"site={site} {who}", cancellationToken);
        return RedirectToPage(new { site });
    }

    private async Task<bool> LoadAsync(string site, CancellationToken cancellationToken)
    {
        if (!Ids.IsValid(site) || !SiteScope.Of(User).Allows(site))
        {
            return false;
        }

        Site = site;
        Zone = presence.ZoneOf(site);
        Now = time.GetUtcNow();
        OnSite = await presence.OnSiteAsync(site, cancellationToken);
        ViewData["Site"] = site;
        return true;
    }
}
