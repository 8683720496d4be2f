using GateKiosk.Central.Accounts;
using GateKiosk.Central.Alarms;
using GateKiosk.Central.Api;
using GateKiosk.Central.People;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace GateKiosk.Central.Web.Pages;

/// <summary>Alarms of the user's sites (doors forced or held open, readers lost, kiosks offline or stale, journal pressure), each acknowledgeable. Admins, managers and guards.</summary>
[Authorize(Policy = Policies.Live)]
internal sealed class AlarmsModel(AlarmService alarms, PresenceService presence, IStringLocalizer<Strings> strings) : PageModel
{
    public IReadOnlyList<Alarm> Alarms { get; private set; } = [];

    public string? Message { get; private set; }

    public bool Done { get; private set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task OnPostAckAsync(string? key, CancellationToken cancellationToken)
    {
        Done = key is { Length: > 0 and <= 300 } && await alarms.AcknowledgeAsync(key, PeopleServices.ActorOf(HttpContext), cancellationToken);
        Message = strings[Done ? "Alarms.Acked" : "Alarms.NotAcked"];
        await LoadAsync(cancellationToken);
    }

    public TimeZoneInfo ZoneOf(string site) => presence.ZoneOf(site);

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var scope = SiteScope.Of(User);
        Alarms = await alarms.ListAsync(scope.Allows, scope.All ? null : [.. scope.Sites], cancellationToken);
    }
}
