using GateKiosk.Central.Storage;

namespace GateKiosk.Central.Tracing;

/// <summary>
/// Answers <c>GET /api/trace</c>: one person's stays that intersect a window, and every other person whose stay at the
/// same site overlaps one of them by at least <see cref="TracingOptions.MinOverlap"/> (one contact per pair of stays).
/// </summary>
internal sealed class ContactFinder(ITracingQueries store, TracingOptions options, SiteClock clock)
{
    /// <summary>Most events one trace reads; a window holding more is refused (narrow it).</summary>
    public const int MaxEvents = 2_000_000;

    private readonly StayBuilder _stays = new(options, clock);

    /// <summary>The stays of <paramref name="person"/> that intersect [<paramref name="from"/>, <paramref name="to"/>] and their contacts.</summary>
    public async Task<TraceResult> TraceAsync(Person person, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(person);

        // A stay that intersects the window begins at most MaxStay before it, and its exit is at most MaxStay after it.
        var own = await store.GetPersonPresenceAsync(person.Kind, person.Subject, from - options.MaxStay, to + options.MaxStay, MaxEvents + 1, cancellationToken);
        if (own.Count > MaxEvents)
        {
            return new TraceResult([], [], TooManyEvents: true);
        }

        var stays = _stays.Build(own)
            .Where(s => s.From <= to && s.To >= from)
            .OrderBy(s => s.From).ThenBy(s => s.Site, StringComparer.Ordinal)
            .ToList();

        var contacts = new List<Contact>();
        var budget = MaxEvents;
        foreach (var site in stays.GroupBy(s => s.Site, StringComparer.Ordinal))
        {
            // Others' stays that overlap one of these begin at most MaxStay before it and end by MaxStay after it.
            var events = new List<PresenceEvent>();
            foreach (var (windowFrom, windowTo) in Windows(site))
            {
                var part = await store.GetSitePresenceAsync(site.Key, windowFrom, windowTo, budget + 1, cancellationToken);
                budget -= part.Count;
                if (budget < 0)
                {
                    return new TraceResult([], [], TooManyEvents: true);
                }

                events.AddRange(part);
            }

            foreach (var other in _stays.Build(events))
            {
                if (other.Person == person)
                {
                    continue;
                }

                foreach (var mine in site)
                {
                    var start = mine.From > other.From ? mine.From : other.From;
                    var end = mine.To < other.To ? mine.To : other.To;
                    var overlap = end - start;
                    if (overlap >= options.MinOverlap && overlap >= TimeSpan.Zero)
                    {
                        contacts.Add(new Contact(other.Person, site.Key, start, end, overlap.Ticks / TimeSpan.TicksPerMinute, mine.TimeSourceNone || other.TimeSourceNone));
                    }
                }
            }
        }

        contacts.Sort(static (a, b) =>
        {
            var c = string.CompareOrdinal(a.Site, b.Site);
            c = c != 0 ? c : a.From.CompareTo(b.From);
            c = c != 0 ? c : string.CompareOrdinal(a.Person.Subject, b.Person.Subject);
            c = c != 0 ? c : string.CompareOrdinal(a.Person.Kind, b.Person.Kind);
            return c != 0 ? c : a.To.CompareTo(b.To);
        });
        return new TraceResult(stays, contacts);
    }

    /// <summary>The site's stays widened by MaxStay on each side, overlapping windows joined, in time order.</summary>
    private List<(DateTimeOffset From, DateTimeOffset To)> Windows(IEnumerable<Stay> stays)
    {
        var windows = new List<(DateTimeOffset From, DateTimeOffset To)>();
        foreach (var stay in stays.OrderBy(s => s.From))
        {
            var (from, to) = (stay.From - options.MaxStay, stay.To + options.MaxStay);
            if (windows.Count > 0 && from <= windows[^1].To)
            {
                windows[^1] = (windows[^1].From, to > windows[^1].To ? to : windows[^1].To);
            }
            else
            {
                windows.Add((from, to));
            }
        }

        return windows;
    }
}
