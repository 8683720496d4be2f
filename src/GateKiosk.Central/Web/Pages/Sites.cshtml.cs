using System.Security.Claims;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using GateKiosk.Central.Declarations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GateKiosk.Central.Web.Pages;

/// <summary>
/// <c>/sites</c>: the sites a user works on (admins: all; managers: those of their account), each with its
/// declaration page and its poster to download as PDF, SVG or PNG. Admins and managers only; admins add and edit
/// sites on <see cref="SiteEditModel"/>.
/// </summary>
[Authorize(Policy = Policies.People)]
internal sealed class SitesModel(SiteEditor editor) : PageModel
{
    public IReadOnlyList<SiteView> Sites { get; private set; } = [];

    /// <summary>The site just added or edited, to say so.</summary>
    public string? Saved { get; private set; }

    public bool CanEdit => User.FindFirst(ClaimTypes.Role)?.Value == Roles.Admin;

    public void OnGet(string? saved)
    {
        Sites = [.. editor.Visible(User).Select(editor.View)];
        Saved = Sites.Any(s => s.Id == saved) ? saved : null;
    }

    /// <summary><c>?handler=poster&amp;id=SITE&amp;format=pdf|svg|png</c>: the poster as a file; 404 for a site the user does not see.</summary>
    public IActionResult OnGetPoster(string? id, string? format)
    {
        if (editor.FindVisible(User, id) is not { } site || PosterFormats.Parse(format) is not { } kind)
        {
            return NotFound();
        }

        return File(editor.Poster(site, kind), kind.ContentType(), $"poster-{site.Id}.{kind.Extension()}");
    }
}
