using GateKiosk.Central.Api;
using GateKiosk.Central.Passes;
using GateKiosk.Central.People;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GateKiosk.Central.Web.Pages;

/// <summary>A pass's QR code as PNG or SVG; none for a revoked pass. Admins and managers of its sites.</summary>
[Authorize(Policy = Policies.People)]
internal sealed class PassQrModel(PassService passes) : PageModel
{
    public IActionResult OnGet(long id, string? format)
    {
        if (format is not ("png" or "svg") || passes.Find(id, PeopleServices.ActorOf(HttpContext)) is not { RevokedAt: null } pass)
        {
            return NotFound();
        }

        Response.Headers.CacheControl = "no-store";
        return format == "png"
            ? File(PassImages.Png(pass.Code), "image/png", $"pass-{pass.Id}.png")
            : File(System.Text.Encoding.UTF8.GetBytes(PassImages.Svg(pass.Code)), "image/svg+xml", $"pass-{pass.Id}.svg");
    }
}
