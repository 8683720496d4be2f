using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Json;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using GateKiosk.Central.Declarations;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;

namespace GateKiosk.Central.Web;

/// <summary>
/// The event log's filters as asked (query string of the page, the export and the API). Times without a zone are the
/// site's local time; with a zone (RFC 3339) they are taken as given.
/// </summary>
public sealed record EventLogFilter(
    string? Site = null,
    string? Kiosk = null,
    string? Person = null,
    string? Decision = null,
    string? Reason = null,
    string? Type = null,
    string? From = null,
    string? To = null,
    long? Cursor = null)
{
    public const int MaxPersonLength = 200;

    /// <summary>The filters of a query string (<c>site, kiosk, subject, decision, reason, type, from, to, cursor</c>).</summary>
    public static EventLogFilter FromQuery(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        string? Value(string key) => query[key].ToString() is { Length: > 0 } v ? v.Trim() : null;
        return new EventLogFilter(
            Value("site"), Value("kiosk"), Value("subject"), Value("decision"), Value("reason"), Value("type"), Value("from"), Value("to"),
            long.TryParse(Value("cursor"), NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : null);
    }

    /// <summary>The filters as query values for links (next page, exports), without the cursor unless asked.</summary>
    public Dictionary<string, string?> RouteValues(bool withCursor = false)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["site"] = Site,
            ["kiosk"] = Kiosk,
            ["subject"] = Person,
            ["decision"] = Decision,
            ["reason"] = Reason,
            ["type"] = Type,
            ["from"] = From,
            ["to"] = To,
        };
        if (withCursor && Cursor is { } cursor)
        {
            values["cursor"] = cursor.ToString(CultureInfo.InvariantCulture);
        }

        return values.Where(v => v.Value is not null).ToDictionary(v => v.Key, v => v.Value);
    }
}

/// <summary>An event of the log with its time in its site's time zone.</summary>
public sealed record EventLogRow(EventRow Event, DateTime LocalTime, string TimeZone);

/// <summary>One page of the event log; <paramref name="NextCursor"/> is null on the last page.</summary>
public sealed record EventLogPage(IReadOnlyList<EventLogRow> Rows, long? NextCursor);

/// <summary>
/// The event log: filters turned into the store's <see cref="EventQuery"/> for one user (their sites only; no person
/// filter or subjects for roles without personal fields), pages of rows in each site's time zone, and every row of a
/// filter for exports, read page by page so memory does not grow with rows.
/// </summary>
public sealed class EventLog
{
    private readonly IEventQueries store;
    private readonly SqliteSiteStore sites;

    internal EventLog(IEventQueries store, SqliteSiteStore sites)
    {
        this.store = store;
        this.sites = sites;
    }

    public const int PageSize = 50;

    /// <summary>Rows read from the store at a time by <see cref="AllAsync"/>.</summary>
    public const int ExportBatch = 1000;

    /// <summary>True when <paramref name="user"/>'s role may see personal fields (subjects).</summary>
    public static bool WithPersonalFields(ClaimsPrincipal user) =>
        user?.FindFirst(ClaimTypes.Role)?.Value is { } role && Policies.PersonalEventRoles.Contains(role);

    /// <summary>The sites <paramref name="user"/> works on; null for every site (<c>*</c>, or a caller without sites such as the deprecated token).</summary>
    public static IReadOnlyList<string>? SitesOf(ClaimsPrincipal user)
    {
        var claim = user?.FindFirst(AccountClaims.SitesClaim)?.Value;
        if (claim is null)
        {
            return null;
        }

        var list = claim.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return list.Contains("*") ? null : list;
    }

    /// <summary>The ids of the sites central has settings for.</summary>
    public IReadOnlyList<string> KnownSites() => [.. sites.List().Select(s => s.Id)];

    /// <summary>The time zone of <paramref name="site"/>, or the default one (<see cref="Site.DefaultTimeZone"/>) for a site central does not know.</summary>
    public TimeZoneInfo ZoneOf(string? site)
    {
        var id = site is not null && Ids.IsValid(site) && sites.Find(site) is { } s ? s.TimeZone : Site.DefaultTimeZone;
        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;
    }

    /// <summary>The zone local times of <paramref name="filter"/> are read in: its site's, else the user's only site's, else the default.</summary>
    public TimeZoneInfo FilterZone(EventLogFilter filter, ClaimsPrincipal user) =>
        ZoneOf(filter?.Site ?? (SitesOf(user) is [var only] ? only : null));

    /// <summary>The store query for <paramref name="filter"/> as <paramref name="user"/> may see it; null with <paramref name="errors"/> filled when a filter is not valid.</summary>
    public EventQuery? Query(EventLogFilter filter, ClaimsPrincipal user, int limit, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(errors);
        string? Code(string? value, string key)
        {
            if (value is not null && !Ids.IsValid(value))
            {
                errors.Add($"'{key}' must be a code of [a-z0-9-].");
            }

            return value;
        }

        if (filter.Decision is not (null or Decisions.Allow or Decisions.Deny))
        {
            errors.Add("'decision' must be allow or deny.");
        }

        var personal = WithPersonalFields(user);
        if (filter.Person is { } person && (person.Length > EventLogFilter.MaxPersonLength || person.Any(char.IsControl)))
        {
            errors.Add($"'subject' must be at most {EventLogFilter.MaxPersonLength} characters.");
        }

        var zone = FilterZone(filter, user);
        var from = Time(filter.From, "from", zone, errors);
        var to = Time(filter.To, "to", zone, errors);
        var query = new EventQuery(
            Code(filter.Site, "site"),
            Code(filter.Kiosk, "kiosk"),
            personal ? filter.Person : null,
            filter.Decision,
            from,
            to,
            limit,
            filter.Cursor,
            Code(filter.Reason, "reason"),
            Code(filter.Type, "type"),
            SitesOf(user));
        return errors.Count == 0 ? query : null;
    }

    /// <summary>One page of rows.</summary>
    public async Task<EventLogPage> PageAsync(EventQuery query, bool withPersonalFields, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var page = await store.GetEventsAsync(query, cancellationToken);
        var zones = new Dictionary<string, TimeZoneInfo>(StringComparer.Ordinal);
        return new EventLogPage([.. page.Payloads.Select(p => Row(p, withPersonalFields, zones))], page.NextCursor);
    }

    /// <summary>Every row of <paramref name="query"/> (its cursor and limit are replaced), newest first.</summary>
    public async IAsyncEnumerable<EventLogRow> AllAsync(EventQuery query, bool withPersonalFields, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var zones = new Dictionary<string, TimeZoneInfo>(StringComparer.Ordinal);
        var next = query with { Limit = ExportBatch, Cursor = null };
        while (true)
        {
            var page = await store.GetEventsAsync(next, cancellationToken);
            foreach (var payload in page.Payloads)
            {
                yield return Row(payload, withPersonalFields, zones);
            }

            if (page.NextCursor is not { } cursor)
            {
                yield break;
            }

            next = next with { Cursor = cursor };
        }
    }

    private EventLogRow Row(ReadOnlyMemory<byte> payload, bool withPersonalFields, Dictionary<string, TimeZoneInfo> zones)
    {
        using var doc = JsonDocument.Parse(payload);
        var row = LiveEvents.ToRow(doc.RootElement, withPersonalFields);
        if (!zones.TryGetValue(row.SiteId, out var zone))
        {
            zone = ZoneOf(row.SiteId);
            zones[row.SiteId] = zone;
        }

        return new EventLogRow(row, TimeZoneInfo.ConvertTime(row.OccurredAt, zone).DateTime, zone.Id);
    }

    /// <summary>A time with a zone as given, or a local time of <paramref name="zone"/>; null when empty.</summary>
    private static DateTimeOffset? Time(string? value, string key, TimeZoneInfo zone, List<string> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length <= 64 && DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t))
        {
            if (t.Kind != DateTimeKind.Unspecified)
            {
                return DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            }

            // A local time the zone skips (clocks moved forward) is read as the first valid minute after it.
            for (var i = 0; i < 24 * 60 && zone.IsInvalidTime(t); i++)
            {
                t = t.AddMinutes(1);
            }

            return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(t, zone), TimeSpan.Zero);
        }

        errors.Add($"'{key}' must be a time such as 2026-11-27T08:00 (the site's local time) or 2026-11-27T01:00:00Z.");
        return null;
    }
}
