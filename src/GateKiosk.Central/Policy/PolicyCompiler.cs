using System.Security.Cryptography;
using GateKiosk.Central.People;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Policy;

namespace GateKiosk.Central.Policy;

/// <summary>
/// Turns central's records into a site's bundle: every badge of every person who may enter the site, as its keyed hash
/// with the person's schedule (schedules written once and referred to by number), plus the site's door settings,
/// revocations and rules. Pure: the same records give the same content.
/// </summary>
internal static class PolicyCompiler
{
    /// <summary>The bundle of <paramref name="site"/> without its version and time (both 0 until published).</summary>
    public static PolicyBundle Compile(string site, IEnumerable<StaffMember> people, byte[] badgeHashKey, PolicySiteRules? rules = null)
    {
        ArgumentNullException.ThrowIfNull(people);
        var schedules = new List<IReadOnlyList<ScheduleWindow>>();
        var scheduleIndex = new Dictionary<string, ushort>(StringComparer.Ordinal);
        var entries = new List<(byte[] Hash, ushort Schedule)>();
        foreach (var person in people)
        {
            if (!person.MayEnter(site) || person.Badges.Count == 0)
            {
                continue;
            }

            ushort schedule = 0;
            if (!string.IsNullOrWhiteSpace(person.Schedule) && StaffSchedule.Parse(person.Schedule) is { Count: > 0 } windows)
            {
                if (!scheduleIndex.TryGetValue(person.Schedule, out schedule))
                {
                    schedules.Add(windows);
                    schedule = (ushort)schedules.Count;
                    scheduleIndex[person.Schedule] = schedule;
                }
            }

            foreach (var badge in person.Badges)
            {
                entries.Add((BadgeHash.Of(badgeHashKey, badge), schedule));
            }
        }

        entries.Sort((a, b) => a.Hash.AsSpan().SequenceCompareTo(b.Hash));
        var hashes = new byte[entries.Count * BadgeHash.Length];
        var badgeSchedules = new ushort[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            entries[i].Hash.CopyTo(hashes, i * BadgeHash.Length);
            badgeSchedules[i] = entries[i].Schedule;
        }

        return new PolicyBundle
        {
            SiteId = site,
            Version = 0,
            IssuedAt = DateTimeOffset.UnixEpoch,
            Schedules = schedules,
            BadgeHashes = hashes,
            BadgeSchedules = badgeSchedules,
            Doors = rules?.Doors ?? new Dictionary<string, DoorPolicy>(),
            Revoked = rules?.Revoked ?? [],
            Degraded = rules?.Degraded ?? new DegradedRules(),
            AntiPassback = rules?.AntiPassback ?? AntiPassbackModes.Off,
        };
    }

    /// <summary>The hash of what a bundle says, version and time left out: an unchanged site is not published again.</summary>
    public static byte[] ContentHash(PolicyBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        return SHA256.HashData((bundle with { Version = 0, IssuedAt = DateTimeOffset.UnixEpoch }).ToCbor());
    }
}

/// <summary>What a site's bundle carries beside its badges.</summary>
internal sealed record PolicySiteRules(IReadOnlyDictionary<string, DoorPolicy> Doors, IReadOnlyList<string> Revoked, DegradedRules Degraded, string AntiPassback);
