using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace GateKiosk.Central.Web.Pages;

/// <summary>Sign-in with user name and password; a session cookie on success, a lockout after repeated failures.</summary>
[AllowAnonymous]
[EnableRateLimiting(CentralWeb.SignInLimit)]
public sealed class SignInModel(AccountService accounts, AuditTrail audit) : PageModel
{
    /// <summary>The resource key of the message shown after a failed attempt.</summary>
    public string? Error { get; private set; }

    public string? UserName { get; private set; }

    public string ReturnUrl { get; private set; } = "/";

    public bool AnyAccount => accounts.Store.AnyAccount();

    public IActionResult OnGet(string? returnUrl)
    {
        ReturnUrl = LocalOrRoot(returnUrl);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? userName, string? password, string? returnUrl)
    {
        ReturnUrl = LocalOrRoot(returnUrl);
        UserName = userName?.Trim();
        var result = accounts.SignIn(UserName ?? "", password ?? "");

        // A name no account has is kept as a hash: it may be a password typed into the wrong field.
        var actor = result.Account?.UserName
            ?? (AccountService.IsValidUserName(UserName) && accounts.Store.Find(UserName!) is { } known ? known.UserName : "unknown#" + AccountService.ShortHash(UserName ?? ""));
        await audit.RecordAsync(HttpContext, result.Succeeded ? AuditActions.SignIn : AuditActions.SignInFailed, AuditTrail.Pairs(("outcome", result.Outcome)), actor);
        if (!result.Succeeded)
        {
            Error = result.Outcome == SignInOutcomes.LockedOut ? "SignInLockedOut" : "SignInFailed";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        await HttpContext.SignInAsync(ApiAccess.CookieScheme, AccountClaims.Principal(result.Account!, ApiAccess.CookieScheme));
        return LocalRedirect(ReturnUrl);
    }

    private string LocalOrRoot(string? url) => url is { Length: > 0 } && Url.IsLocalUrl(url) ? url : "/";
}
