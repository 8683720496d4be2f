using System.Security.Claims;

namespace GateKiosk.Central.Accounts;

/// <summary>The sites a signed-in user works on (<see cref="Account.Sites"/>): all of them with <c>*</c>.</summary>
public sealed record SiteScope(bool All, IReadOnlySet<string> Sites)
{
    /// <summary>The scope in <paramref name="user"/>'s claims; no site when the claim is missing.</summary>
    public static SiteScope Of(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var sites = (user.FindFirst(AccountClaims.SitesClaim)?.Value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new SiteScope(sites.Contains("*"), new HashSet<string>(sites, StringComparer.Ordinal));
    }

    public bool Allows(string site) => All || Sites.Contains(site);

    /// <summary>True when every one of <paramref name="sites"/> is in scope (<c>*</c> only for a user of every site).</summary>
    public bool AllowsAll(IEnumerable<string> sites) => sites.All(s => s == "*" ? All : Allows(s));

    /// <summary>True when any one of <paramref name="sites"/> is in scope: the user may see such a record.</summary>
    public bool AllowsAny(IEnumerable<string> sites) => All || sites.Any(s => s == "*" || Sites.Contains(s));
}
