using GateKiosk.Central.Api;
using GateKiosk.Central.Declarations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GateKiosk.Central.Web.Pages;

/// <summary>
/// <c>/sites/edit</c> adds a site, <c>/sites/edit/{id}</c> changes its name, address and time zone (its id, which its
/// kiosks carry, stays). Admins only; a wrong value is shown beside its field, and each change goes to the audit trail.
/// </summary>
[Authorize(Policy = Policies.Admin)]
internal sealed class SiteEditModel(SiteEditor editor) : PageModel
{
    /// <summary>The site being edited; null when adding one.</summary>
    public string? EditingId { get; private set; }

    [BindProperty]
    public string? NewId { get; set; }

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Address { get; set; }

    [BindProperty]
    public string? TimeZone { get; set; } = Site.DefaultTimeZone;

    /// <summary>The wrong field, or <c>id</c> when it is taken (<see cref="Exists"/>).</summary>
    public DeclarationError? Error { get; private set; }

    public bool Exists { get; private set; }

    public IActionResult OnGet(string? id)
    {
        if (id is null)
        {
            return Page();
        }

        if (editor.FindVisible(User, id) is not { } site)
        {
            return NotFound();
        }

        (EditingId, Name, Address, TimeZone) = (site.Id, site.Name, site.Address, site.TimeZone);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? id)
    {
        EditingId = id;
        var edit = id is null
            ? await editor.AddAsync(User, NewId?.Trim(), Name, Address, TimeZone, HttpContext.RequestAborted)
            : await editor.EditAsync(User, id, Name, Address, TimeZone, HttpContext.RequestAborted);
        switch (edit.Status)
        {
            case SiteEditStatus.Done:
                return RedirectToPage("/Sites", new { saved = edit.Site!.Id });
            case SiteEditStatus.NotFound:
                return NotFound();
            default:
                Exists = edit.Status == SiteEditStatus.Exists;
                Error = edit.Error ?? new DeclarationError(SiteInput.IdField, "exists");
                return Page();
        }
    }
}
