using System.Security.Claims;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using GateKiosk.Central.Storage;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Declarations;

/// <summary>How adding or editing a site went.</summary>
internal enum SiteEditStatus
{
    Done,
    Invalid,
    Exists,
    NotFound,
}

/// <summary>The outcome of <see cref="SiteEditor"/>: the site as stored, or the wrong field, or why not.</summary>
internal sealed record SiteEdit(SiteEditStatus Status, Site? Site = null, DeclarationError? Error = null);

/// <summary>
/// Adds and edits sites for the Sites page and <c>/api/sites</c>, writes each change to the audit trail
/// (<c>site-add</c>, <c>site-edit</c>), and says which sites a signed-in user may see and print posters of.
/// </summary>
internal sealed class SiteEditor(SqliteSiteStore sites, IAuditLog audit, TimeProvider time, IOptions<DeclarationOptions> options, IOptions<CentralOptions> central)
{
    public async Task<SiteEdit> AddAsync(ClaimsPrincipal user, string? id, string? name, string? address, string? timeZone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var error = SiteInput.CheckId(id);
        var detailsError = SiteInput.TryRead(name, address, timeZone, out var details);
        if ((error ?? detailsError) is { } wrong)
        {
            return new SiteEdit(SiteEditStatus.Invalid, Error: wrong);
        }

        var site = new Site(id!, details.Name, details.Address, details.TimeZone, DeclarationForm.Default);
        var now = time.GetUtcNow();
        if (!sites.Add(site, now))
        {
            return new SiteEdit(SiteEditStatus.Exists, sites.Find(site.Id));
        }

        await audit.AppendAuditAsync(new AuditRecord(now, TraceEndpoints.Actor(user), "site-add", $"site={site.Id} timeZone={site.TimeZone}"), cancellationToken);
        return new SiteEdit(SiteEditStatus.Done, site);
    }

    public async Task<SiteEdit> EditAsync(ClaimsPrincipal user, string id, string? name, string? address, string? timeZone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (SiteInput.TryRead(name, address, timeZone, out var details) is { } error)
        {
            return new SiteEdit(SiteEditStatus.Invalid, Error: error);
        }

        if (SiteInput.CheckId(id) is not null || sites.Find(id) is not { } before)
        {
            return new SiteEdit(SiteEditStatus.NotFound);
        }

        if (!sites.Update(id, details))
        {
            return new SiteEdit(SiteEditStatus.NotFound);
        }

        // The names of what changed, not the values: the audit trail says who touched what, the site list shows the rest.
        var changed = new[]
        {
            before.Name == details.Name ? null : SiteInput.NameField,
            before.Address == details.Address ? null : SiteInput.AddressField,
            before.TimeZone == details.TimeZone ? null : SiteInput.TimeZoneField,
        }.OfType<string>();
        await audit.AppendAuditAsync(new AuditRecord(time.GetUtcNow(), TraceEndpoints.Actor(user), "site-edit", $"site={id} changed={string.Join(',', changed)}"), cancellationToken);
        return new SiteEdit(SiteEditStatus.Done, sites.Find(id));
    }

    /// <summary>The sites <paramref name="user"/> may see, by id.</summary>
    public IReadOnlyList<Site> Visible(ClaimsPrincipal user) => [.. sites.List().Where(s => AccountClaims.SeesSite(user, s.Id))];

    /// <summary>Site <paramref name="id"/> when it exists and <paramref name="user"/> may see it; else null.</summary>
    public Site? FindVisible(ClaimsPrincipal user, string? id) =>
        id is not null && SiteInput.CheckId(id) is null && AccountClaims.SeesSite(user, id) ? sites.Find(id) : null;

    /// <summary>The URL the poster's QR code holds: <c>Declarations:PublicUrl</c> (else the first of <c>Central:Urls</c>) + <c>/d/{site}</c>.</summary>
    public string PageUrl(string siteId) => DeclarationEndpoints.PageUrl(options.Value, central.Value, siteId);

    /// <summary>The poster of <paramref name="site"/> as a file.</summary>
    public byte[] Poster(Site site, PosterFormat format)
    {
        using var buffer = new MemoryStream();
        Declarations.Poster.For(site, PageUrl(site.Id)).Write(buffer, format);
        return buffer.ToArray();
    }

    /// <summary>A site as the API and the Sites page show it.</summary>
    public SiteView View(Site site)
    {
        ArgumentNullException.ThrowIfNull(site);
        return new SiteView(site.Id, site.Name, site.Address, site.TimeZone, site.Form, PageUrl(site.Id));
    }
}
