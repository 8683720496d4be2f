using GateKiosk.Central.Declarations;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Tracing;
using GateKiosk.Contracts;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central.People;

/// <summary>A person on site now: the door and time of the entry that began their stay today, and any safe mark since.</summary>
/// <param name="Name">The staff record's name; null when the credential is no one's on record.</param>
public sealed record OnSite(string Kind, string Subject, string? Name, string? EmployeeId, string Door, DateTimeOffset In, SafeMark? Safe);

/// <summary>One person's first entry and last exit at a site on one local day (either may be missing).</summary>
public sealed record AttendanceDay(DateOnly Date, string Site, string Kind, string Subject, string? Name, string? EmployeeId, DateTimeOffset? FirstIn, DateTimeOffset? LastOut);

/// <summary>
/// Who is on site now and who came when, from the allowed entries and exits the store holds (<see cref="ITracingQueries"/>).
/// A person is on site when their last allowed event there since the site's last end of day
/// (<see cref="CentralOptions.PresenceEndOfDay"/>, in the site's time zone) is an entry: a later exit ends the stay,
/// and so does the end of day. Whether a passage is an entry or an exit is the kiosk's door direction
/// (<see cref="KioskDoorStore"/>) when it is set to <c>in</c> or <c>out</c>, else the direction the kiosk recorded.
/// </summary>
internal sealed class PresenceService(
    ITracingQueries events, IKioskSummaries kiosks, SqlitePeopleStore people, KioskDoorStore doors, SqliteSiteStore sites, SiteClock clock, IOptions<CentralOptions> central, TimeProvider time)
{
    /// <summary>Most events one presence or attendance read takes from the store.</summary>
    public const int MaxEvents = 2_000_000;

    /// <summary>Longest attendance range, in days.</summary>
    public const int MaxAttendanceDays = 62;

    // Read before the list, so a change made while it is read leaves the older version and the next read reads again.
    private volatile CachedNames? _names;

    /// <summary>Sites known by record or by a kiosk's events, in <paramref name="allowed"/>, by id.</summary>
    public async Task<IReadOnlyList<string>> SitesAsync(Func<string, bool> allowed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        var known = new SortedSet<string>(sites.List().Select(s => s.Id), StringComparer.Ordinal);
        foreach (var k in await kiosks.GetKiosksAsync(cancellationToken))
        {
            if (k.SiteId.Length > 0)
            {
                known.Add(k.SiteId);
            }
        }

        return [.. known.Where(allowed)];
    }

    /// <summary>The time zone of <paramref name="site"/>: its own, else <c>Tracing:TimeZone</c> (also for no site).</summary>
    public TimeZoneInfo ZoneOf(string site)
    {
        if (sites.Find(site)?.TimeZone is { } id)
        {
            try
            {
                return TimeZoneInfo.FindSystemTimeZoneById(id);
            }
            catch (TimeZoneNotFoundException)
            {
                // A zone this machine does not know: the default serves.
            }
        }

        return clock.Zone;
    }

    /// <summary>The last end of day (<see cref="CentralOptions.PresenceEndOfDay"/> in <paramref name="zone"/>) at or before <paramref name="now"/>.</summary>
    public static DateTimeOffset LastEndOfDay(DateTimeOffset now, TimeZoneInfo zone, TimeOnly endOfDay)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        var end = local.Date + endOfDay.ToTimeSpan();
        if (end > local)
        {
            end = end.AddDays(-1);
        }

        // A clock change may skip that local time: the end then comes at the first local time that exists after it.
        for (var i = 0; i < 24 * 60 && zone.IsInvalidTime(end); i++)
        {
            end = end.AddMinutes(1);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(end, DateTimeKind.Unspecified), zone), TimeSpan.Zero);
    }

    /// <summary>When the current presence day of <paramref name="site"/> began.</summary>
    public DateTimeOffset DayStart(string site) => LastEndOfDay(time.GetUtcNow(), ZoneOf(site), central.Value.PresenceEndOfDay);

    /// <summary>Everyone on <paramref name="site"/> now, by time in (earliest first), with their safe marks since the day began.</summary>
    public async Task<IReadOnlyList<OnSite>> OnSiteAsync(string site, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var since = DayStart(site);
        var list = await events.GetSitePresenceAsync(site, since, now, MaxEvents, cancellationToken);
        var siteDoors = doors.OfSite(site);
        var stays = new Dictionary<(string Kind, string Subject), (PresenceEvent First, PresenceEvent Last)?>();
        foreach (var e in list)
        {
            var key = (e.Kind, e.Subject);
            if (Direction(siteDoors, e) == DoorDirections.Out)
            {
                stays[key] = null;
            }
            else if (stays.TryGetValue(key, out var stay) && stay is { } open)
            {
                stays[key] = (open.First, e);
            }
            else
            {
                stays[key] = (e, e);
            }
        }

        var marks = people.SafeMarks(site, since).GroupBy(m => (m.Kind, m.Subject)).ToDictionary(g => g.Key, g => g.Last());
        var names = Names();
        return [.. stays.Where(s => s.Value is not null).Select(s =>
        {
            var (first, last) = s.Value!.Value;
            var person = names.Find(s.Key.Kind, s.Key.Subject);

            // A mark made before the person's latest entry was for an earlier stay.
            var mark = marks.TryGetValue(s.Key, out var m) && m.MarkedAt >= first.OccurredAt ? m : null;
            return new OnSite(s.Key.Kind, s.Key.Subject, person?.Name, person?.EmployeeId, last.KioskId, first.OccurredAt, mark);
        }).OrderBy(o => o.In)];
    }

    /// <summary>
    /// First entry and last exit per person per local day at each of <paramref name="siteIds"/> for the days
    /// <paramref name="from"/> to <paramref name="to"/>, by date, site and name. <c>Truncated</c> when a site's range held
    /// more events than one read takes.
    /// </summary>
    public async Task<(IReadOnlyList<AttendanceDay> Days, bool Truncated)> AttendanceAsync(IReadOnlyList<string> siteIds, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(siteIds);
        var names = Names();
        var days = new List<AttendanceDay>();
        var truncated = false;
        foreach (var site in siteIds)
        {
            var siteClock = new SiteClock(ZoneOf(site));
            var list = await events.GetSitePresenceAsync(site, siteClock.StartOf(from), siteClock.StartOf(to.AddDays(1)).AddTicks(-TimeSpan.TicksPerMillisecond), MaxEvents, cancellationToken);
            truncated |= list.Count >= MaxEvents;
            var siteDoors = doors.OfSite(site);
            var byDay = new Dictionary<(DateOnly Date, string Kind, string Subject), (DateTimeOffset? In, DateTimeOffset? Out)>();
            foreach (var e in list)
            {
                var key = (siteClock.DateOf(e.OccurredAt), e.Kind, e.Subject);
                byDay.TryGetValue(key, out var day);
                byDay[key] = Direction(siteDoors, e) == DoorDirections.In
                    ? (day.In is { } i && i <= e.OccurredAt ? i : e.OccurredAt, day.Out)
                    : (day.In, day.Out is { } o && o >= e.OccurredAt ? o : e.OccurredAt);
            }

            days.AddRange(byDay.Select(d =>
            {
                var person = names.Find(d.Key.Kind, d.Key.Subject);
                return new AttendanceDay(d.Key.Date, site, d.Key.Kind, d.Key.Subject, person?.Name, person?.EmployeeId, d.Value.In, d.Value.Out);
            }));
        }

        return ([.. days.OrderBy(d => d.Date).ThenBy(d => d.Site, StringComparer.Ordinal).ThenBy(d => d.Name ?? "\uffff" + d.Subject, StringComparer.CurrentCulture)], truncated);
    }

    /// <summary>
    /// Staff by badge and employee id, read again only after people changed: a site of thousands of people would
    /// otherwise read them all on every presence page, for every site on it.
    /// </summary>
    private PeopleIndex Names()
    {
        var version = people.Version;
        if (_names is { } cached && cached.Version == version)
        {
            return cached.Index;
        }

        var index = new PeopleIndex(people.List());
        _names = new CachedNames(version, index);
        return index;
    }

    /// <summary>The direction <paramref name="e"/> counts as, by its kiosk's door (<see cref="DoorDirections"/>).</summary>
    private static string Direction(IReadOnlyDictionary<string, KioskDoor> doors, PresenceEvent e) =>
        DoorDirections.Effective(doors.TryGetValue(e.KioskId, out var door) ? door.Direction : null, e.Direction);

    private sealed record CachedNames(long Version, PeopleIndex Index);

    /// <summary>Staff by badge number and by employee id (a staff pass's subject), for naming the people events carry.</summary>
    private sealed class PeopleIndex
    {
        private readonly Dictionary<string, StaffMember> _badges = new(StringComparer.Ordinal);
        private readonly Dictionary<string, StaffMember> _employees = new(StringComparer.OrdinalIgnoreCase);

        public PeopleIndex(IReadOnlyList<StaffMember> people)
        {
            foreach (var p in people)
            {
                _employees[p.EmployeeId] = p;
                foreach (var b in p.Badges)
                {
                    _badges[b] = p;
                }
            }
        }

        public StaffMember? Find(string kind, string subject) => kind switch
        {
            CredentialKinds.Badge => _badges.GetValueOrDefault(subject),
            CredentialKinds.StaffPass => _employees.GetValueOrDefault(subject),
            _ => null,
        };
    }
}
