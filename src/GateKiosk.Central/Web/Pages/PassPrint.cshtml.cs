using GateKiosk.Central.Api;
using GateKiosk.Central.Passes;
using GateKiosk.Central.People;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GateKiosk.Central.Web.Pages;

/// <summary>One pass to print or show on a screen: holder, QR code, validity. Admins and managers of its sites.</summary>
[Authorize(Policy = Policies.People)]
internal sealed class PassPrintModel(PassService passes, PresenceService presence) : PageModel
{
    public IssuedPass Pass { get; private set; } = null!;

    public TimeZoneInfo Zone { get; private set; } = TimeZoneInfo.Utc;

    public IActionResult OnGet(long id)
    {
        if (passes.Find(id, PeopleServices.ActorOf(HttpContext)) is not { } pass)
        {
            return NotFound();
        }

        Pass = pass;
        Zone = presence.ZoneOf(pass.Sites.FirstOrDefault(s => s != "*") ?? "");
        return Page();
    }
}
