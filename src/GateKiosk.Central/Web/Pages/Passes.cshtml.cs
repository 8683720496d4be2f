using System.Globalization;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using GateKiosk.Central.Passes;
using GateKiosk.Central.People;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace GateKiosk.Central.Web.Pages;

/// <summary>
/// Staff and visitor passes of the user's sites: issue (signed with the organisation's active key), list, open for
/// printing and revoke; each issue and revocation audited. Admins and managers.
/// </summary>
[Authorize(Policy = Policies.People)]
internal sealed class PassesModel(PassService passes, PeopleService people, PresenceService presence, TimeProvider time, IStringLocalizer<Strings> strings) : PageModel
{
    public IReadOnlyList<IssuedPass> Passes { get; private set; } = [];

    public IReadOnlyList<StaffMember> People { get; private set; } = [];

    public IReadOnlyList<string> Sites { get; private set; } = [];

    public bool HasKey { get; private set; }

    /// <summary>Ids of revoked passes not yet expired, for the kiosks' <c>Credentials:Revoked</c>.</summary>
    public IReadOnlyList<string> RevokedIds { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    /// <summary>Today in the first site's time zone, for the visitor form.</summary>
    public string Today { get; private set; } = "";

    public string? Message { get; private set; }

    public bool Done { get; private set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task OnPostVisitorAsync(string? name, string? host, string? date, string? site, bool singleUse, CancellationToken cancellationToken)
    {
        Show(await passes.IssueVisitorAsync(new VisitorPassInput(name, host, date, site, singleUse), PeopleServices.ActorOf(HttpContext), cancellationToken), "Passes.Issued");
        await LoadAsync(cancellationToken);
    }

    public async Task OnPostStaffAsync(string? employeeId, CancellationToken cancellationToken)
    {
        Show(await passes.IssueStaffAsync(employeeId, PeopleServices.ActorOf(HttpContext), cancellationToken), "Passes.Issued");
        await LoadAsync(cancellationToken);
    }

    public async Task OnPostRevokeAsync(long id, CancellationToken cancellationToken)
    {
        Show(await passes.RevokeAsync(id, PeopleServices.ActorOf(HttpContext), cancellationToken), "Passes.RevokedDone");
        await LoadAsync(cancellationToken);
    }

    public TimeZoneInfo ZoneOf(IssuedPass pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        return presence.ZoneOf(pass.Sites.FirstOrDefault(s => s != "*") ?? "");
    }

    /// <summary>A time in <paramref name="zone"/>, to the minute.</summary>
    public static string Local(DateTimeOffset at, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(at, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private void Show(PassChange change, string doneKey)
    {
        Done = change.Done;
        Message = change.Done ? strings[doneKey] : strings[change.ErrorKey!];
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var actor = PeopleServices.ActorOf(HttpContext);
        Now = time.GetUtcNow();
        HasKey = passes.HasKey;
        Passes = passes.List(actor);
        RevokedIds = passes.RevokedIds(actor, Now);
        People = [.. people.List(actor.Scope).Where(p => actor.Scope.AllowsAll(p.Sites))];
        Sites = await presence.SitesAsync(SiteScope.Of(User).Allows, cancellationToken);
        Today = TimeZoneInfo.ConvertTime(Now, presence.ZoneOf(Sites.Count > 0 ? Sites[0] : "")).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }
}
