using GateKiosk.Central.Storage;

namespace GateKiosk.Central.Tracing;

/// <summary>
/// Builds stays from allowed entries and exits (docs/tracing.md). A stay begins with an allowed <c>in</c> at a site. It
/// ends at the same person's next allowed <c>out</c> there when that comes before their next allowed <c>in</c> there and
/// within <see cref="TracingOptions.MaxStay"/>; otherwise at begin + <see cref="TracingOptions.AssumedStay"/> or the end
/// of the site's local day, whichever is earlier. One person's stays at one site that overlap or touch are one stay.
/// </summary>
internal sealed class StayBuilder(TracingOptions options, SiteClock clock)
{
    /// <summary>
    /// The stays of everyone in <paramref name="events"/> (allowed entries and exits, oldest first as the store returns
    /// them), by person and site, each person's stays at a site in time order.
    /// </summary>
    public List<Stay> Build(IReadOnlyList<PresenceEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var byPersonAndSite = new Dictionary<(string Kind, string Subject, string Site), List<PresenceEvent>>();
        foreach (var e in events)
        {
            var key = (e.Kind, e.Subject, e.SiteId);
            if (!byPersonAndSite.TryGetValue(key, out var list))
            {
                byPersonAndSite[key] = list = [];
            }

            list.Add(e);
        }

        var stays = new List<Stay>();
        foreach (var ((kind, subject, site), list) in byPersonAndSite)
        {
            stays.AddRange(Merge(Raw(new Person(kind, subject), site, list)));
        }

        return stays;
    }

    private IEnumerable<Stay> Raw(Person person, string site, List<PresenceEvent> events)
    {
        for (var i = 0; i < events.Count; i++)
        {
            var begin = events[i];
            if (begin.Direction != "in")
            {
                continue;
            }

            // The next event of this person at this site is an out (so it comes before their next in), soon enough.
            if (i + 1 < events.Count && events[i + 1] is { Direction: "out" } exit && exit.OccurredAt - begin.OccurredAt <= options.MaxStay)
            {
                yield return new Stay(person, site, begin.OccurredAt, exit.OccurredAt, Doors(begin.KioskId, exit.KioskId), begin.TimeSourceNone || exit.TimeSourceNone);
            }
            else
            {
                var assumed = begin.OccurredAt + options.AssumedStay;
                var endOfDay = clock.EndOfDay(begin.OccurredAt);
                yield return new Stay(person, site, begin.OccurredAt, assumed < endOfDay ? assumed : endOfDay, [begin.KioskId], begin.TimeSourceNone);
            }
        }
    }

    private static string[] Doors(string first, string second) => first == second ? [first] : [first, second];

    /// <summary>Stays in order of their begin; those that overlap or touch the one before become one.</summary>
    private static List<Stay> Merge(IEnumerable<Stay> raw)
    {
        var merged = new List<Stay>();
        foreach (var stay in raw.OrderBy(s => s.From))
        {
            if (merged.Count > 0 && stay.From <= merged[^1].To)
            {
                var last = merged[^1];
                merged[^1] = last with
                {
                    To = stay.To > last.To ? stay.To : last.To,
                    Doors = [.. last.Doors.Concat(stay.Doors).Distinct(StringComparer.Ordinal)],
                    TimeSourceNone = last.TimeSourceNone || stay.TimeSourceNone,
                };
            }
            else
            {
                merged.Add(stay);
            }
        }

        return merged;
    }
}
