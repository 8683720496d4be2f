using System.Security.Claims;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Declarations;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GateKiosk.Central.Web.Pages;

/// <summary>
/// The event log: filters (site, door, person, decision, reason, type, time range in the site's time zone), pages by
/// cursor, and links to the exports for roles that may export. A plain GET form, so it works with scripts blocked.
/// Roles without personal fields see neither the person filter nor subjects.
/// </summary>
public sealed class EventsModel : PageModel
{
    private readonly EventLog _log;
    private readonly IKioskSummaries _kiosks;

    public EventsModel(EventLog log, IKioskSummaries kiosks)
    {
        _log = log;
        _kiosks = kiosks;
    }

    public EventLogFilter Filter { get; private set; } = new();

    public IReadOnlyList<EventLogRow> Rows { get; private set; } = [];

    public long? NextCursor { get; private set; }

    public IReadOnlyList<string> Errors { get; private set; } = [];

    public bool WithPersonalFields { get; private set; }

    /// <summary>Admins and managers may export what they see.</summary>
    public bool MayExport { get; private set; }

    /// <summary>The zone the time range is read in, named on the form.</summary>
    public string FilterZone { get; private set; } = Site.DefaultTimeZone;

    public IReadOnlyList<string> SiteChoices { get; private set; } = [];

    public IReadOnlyList<string> KioskChoices { get; private set; } = [];

    public static IReadOnlyList<string> Types { get; } =
        [EventTypes.Entry, EventTypes.CheckIn, EventTypes.ExitRequest, EventTypes.DoorOpened, EventTypes.DoorClosed, EventTypes.DoorHeldOpen, EventTypes.DoorForced, EventTypes.System];

    /// <summary>The contract's reason codes, offered as suggestions for the reason filter.</summary>
    public static IReadOnlyList<string> Reasons { get; } =
        [.. typeof(ReasonCodes).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).Order(StringComparer.Ordinal)];

    /// <summary><paramref name="path"/> with this page's filters and, when given, a cursor.</summary>
    public string Link(string path, long? cursor) =>
        path + QueryString.Create((Filter with { Cursor = cursor }).RouteValues(withCursor: true)).ToUriComponent();

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Filter = EventLogFilter.FromQuery(Request.Query);
        WithPersonalFields = EventLog.WithPersonalFields(User);
        MayExport = User.FindFirst(ClaimTypes.Role)?.Value is Roles.Admin or Roles.Manager;
        FilterZone = _log.FilterZone(Filter, User).Id;
        var mine = EventLog.SitesOf(User);
        var known = await _kiosks.GetKiosksAsync(cancellationToken);
        SiteChoices = [.. known.Select(k => k.SiteId).Concat(_log.KnownSites()).Distinct().Where(s => mine is null || mine.Contains(s)).Order(StringComparer.Ordinal)];
        KioskChoices = [.. known.Where(k => mine is null || mine.Contains(k.SiteId)).Where(k => Filter.Site is null || k.SiteId == Filter.Site).Select(k => k.KioskId).Distinct().Order(StringComparer.Ordinal)];

        var errors = new List<string>();
        var query = _log.Query(Filter, User, EventLog.PageSize, errors);
        Errors = errors;
        if (query is null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var page = await _log.PageAsync(query, WithPersonalFields, cancellationToken);
        Rows = page.Rows;
        NextCursor = page.NextCursor;
    }
}
