using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace GateKiosk.Central.Accounts;

/// <summary>An account as the claims of a session or token principal, and the check that a session still holds.</summary>
internal static class AccountClaims
{
    public const string StampClaim = "gatekiosk:stamp";

    public const string DisplayNameClaim = "gatekiosk:display-name";

    public const string SitesClaim = "gatekiosk:sites";

    public static ClaimsPrincipal Principal(Account account, string scheme)
    {
        ArgumentNullException.ThrowIfNull(account);
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, account.Id.ToString(CultureInfo.InvariantCulture)),
                new Claim(ClaimTypes.Name, account.UserName),
                new Claim(ClaimTypes.Role, account.Role),
                new Claim(DisplayNameClaim, account.DisplayName),
                new Claim(SitesClaim, string.Join(',', account.Sites)),
                new Claim(StampClaim, account.Stamp),
            ],
            scheme);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>The account id of a signed-in principal, or null.</summary>
    public static long? AccountId(ClaimsPrincipal user) =>
        long.TryParse(user?.FindFirst(ClaimTypes.NameIdentifier)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>
    /// Whether <paramref name="user"/> works on site <paramref name="siteId"/>: admins on every site, other users on
    /// the sites of their account (<c>*</c> is every site). A caller without an account (the deprecated shared token,
    /// or a loopback caller before the first account exists) carries no sites claim, and its policy already let it in.
    /// </summary>
    public static bool SeesSite(ClaimsPrincipal user, string siteId)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.FindFirst(ClaimTypes.Role)?.Value == Roles.Admin || user.FindFirst(SitesClaim)?.Value is not { } sites)
        {
            return true;
        }

        return sites.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Any(s => s == "*" || s == siteId);
    }

    /// <summary>
    /// Ends a session whose account is gone, disabled, or changed since sign-in (role, password or disabled flag give
    /// the account a new stamp), so a demoted or disabled user loses access at their next request.
    /// </summary>
    public static Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var store = context.HttpContext.RequestServices.GetRequiredService<IAccountStore>();
        var account = context.Principal is { } p && AccountId(p) is { } id ? store.FindById(id) : null;
        if (account is null || account.Disabled || account.Stamp != context.Principal!.FindFirst(StampClaim)?.Value)
        {
            context.RejectPrincipal();
            return context.HttpContext.SignOutAsync(context.Scheme.Name);
        }

        return Task.CompletedTask;
    }
}
