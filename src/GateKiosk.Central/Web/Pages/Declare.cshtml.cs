using System.Globalization;
using GateKiosk.Central.Declarations;
using GateKiosk.Contracts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using QRCoder;

namespace GateKiosk.Central.Web.Pages;

/// <summary>
/// <c>/d/{site}</c>: the site's public health declaration form (no sign-in); on submit, the same-day pass as a large QR
/// code and its text. Posting is rate-limited per address and protected by the antiforgery token like every form.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(DeclarationEndpoints.SubmitLimit)]
internal sealed class DeclareModel(DeclarationService declarations) : PageModel
{
    public Site? Site { get; private set; }

    [BindProperty]
    public string? FullName { get; set; }

    [BindProperty]
    public string? IdNumber { get; set; }

    [BindProperty]
    public string? BirthYear { get; set; }

    [BindProperty]
    public string? Sex { get; set; }

    [BindProperty]
    public string? Category { get; set; }

    [BindProperty]
    public List<string> Symptoms { get; set; } = [];

    [BindProperty]
    public string? Contact { get; set; }

    [BindProperty]
    public string? Travel { get; set; }

    public DeclarationError? Error { get; private set; }

    public DeclarationReply? Reply { get; private set; }

    /// <summary>The pass's QR code as an SVG data URL (an image, so the page's Content-Security-Policy allows it).</summary>
    public string? QrDataUrl { get; private set; }

    public IActionResult OnGet(string site) => Load(site) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(string site)
    {
        if (!Load(site))
        {
            return NotFound();
        }

        int? year = null;
        if (!string.IsNullOrWhiteSpace(BirthYear))
        {
            if (!int.TryParse(BirthYear.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                Error = new DeclarationError(DeclarationFields.BirthYear, "must be a year.");
                return Page();
            }

            year = parsed;
        }

        var answers = new DeclarationAnswers
        {
            FullName = FullName,
            IdNumber = IdNumber,
            BirthYear = year,
            Sex = Sex,
            Category = Category,
            Symptoms = Symptoms.Count > DeclarationInput.MaxSymptoms ? [.. Symptoms.Take(DeclarationInput.MaxSymptoms + 1)] : Symptoms,
            Contact = Contact switch { "yes" => true, "no" => false, _ => null },
            Travel = Travel,
        };
        var outcome = await declarations.SubmitAsync(Site!, answers, HttpContext.RequestAborted);
        if (outcome.Reply is { } reply)
        {
            Reply = reply;
            using var qr = QRCodeGenerator.GenerateQrCode(reply.Pass, QRCodeGenerator.ECCLevel.M);
            var svg = new SvgQRCode(qr).GetGraphic(8);
            QrDataUrl = "data:image/svg+xml;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(svg));
            return Page();
        }

        if (outcome.Error is null)
        {
            return StatusCode(StatusCodes.Status503ServiceUnavailable);
        }

        Error = outcome.Error;
        return Page();
    }

    public bool Checked(string symptom) => Symptoms.Contains(symptom, StringComparer.Ordinal);

    private bool Load(string site)
    {
        Site = Ids.IsValid(site) ? declarations.Sites.Find(site) : null;
        return Site is not null;
    }
}
