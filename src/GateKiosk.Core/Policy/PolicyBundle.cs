using System.Formats.Cbor;
using GateKiosk.Core.Credentials.Signed;

namespace GateKiosk.Core.Policy;

/// <summary>
/// What a site's kiosks decide with, compiled by central: the badges allowed (as keyed hashes, never the numbers) with
/// their schedules, accepted kinds and settings per door, revocations, degraded-mode rules and anti-passback. Versions
/// only grow; a kiosk never goes back to a lower one. Encoded as a CBOR map with small integer keys
/// (docs/contracts/policy.cddl) and carried zlib-compressed inside a COSE_Sign1 message (<see cref="PolicySigner"/>).
/// </summary>
public sealed record PolicyBundle
{
    /// <summary>Layout version of the CBOR map.</summary>
    public const int Format = 1;

    /// <summary>Length of one badge hash (<see cref="BadgeHash"/>).</summary>
    public const int HashLength = BadgeHash.Length;

    /// <summary>The door settings that apply to every kiosk of the site unless one is named.</summary>
    public const string AnyDoor = "*";

    /// <summary>Most badges one bundle may list (a province's largest site is far below).</summary>
    public const int MaxBadges = 1_000_000;

    /// <summary>Most distinct schedules, doors and revocations one bundle may carry.</summary>
    public const int MaxSchedules = 65_535;

    public const int MaxDoors = 1_024;

    public const int MaxRevoked = 200_000;

    /// <summary>Longest text a bundle may carry (ids, kinds, revoked ids).</summary>
    public const int MaxTextLength = 128;

    public required string SiteId { get; init; }

    /// <summary>Grows with every change; the kiosk applies only a version above the one it runs.</summary>
    public required long Version { get; init; }

    public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>Distinct schedules; a badge names one by its position plus one (0 is always).</summary>
    public IReadOnlyList<IReadOnlyList<ScheduleWindow>> Schedules { get; init; } = [];

    /// <summary>Badge hashes, <see cref="HashLength"/> bytes each, in ascending byte order without duplicates.</summary>
    public byte[] BadgeHashes { get; init; } = [];

    /// <summary>Per badge (same order), the schedule: 0 for always, else the position in <see cref="Schedules"/> plus one.</summary>
    public ushort[] BadgeSchedules { get; init; } = [];

    /// <summary>Door settings by kiosk id, <see cref="AnyDoor"/> for the site's default.</summary>
    public IReadOnlyDictionary<string, DoorPolicy> Doors { get; init; } = new Dictionary<string, DoorPolicy>();

    /// <summary>Revoked pass ids (lower-case hex), subject ids and UVCIs.</summary>
    public IReadOnlyList<string> Revoked { get; init; } = [];

    public DegradedRules Degraded { get; init; } = new();

    /// <summary><see cref="AntiPassbackModes"/>.</summary>
    public string AntiPassback { get; init; } = AntiPassbackModes.Off;

    /// <summary>How many badges the bundle lists.</summary>
    public int BadgeCount => BadgeHashes.Length / HashLength;

    /// <summary>The position of <paramref name="hash"/> among the badges, or -1: a binary search, no table to build on apply.</summary>
    public int FindBadge(ReadOnlySpan<byte> hash)
    {
        int lo = 0, hi = BadgeCount - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = BadgeHashes.AsSpan(mid * HashLength, HashLength).SequenceCompareTo(hash);
            if (c == 0)
            {
                return mid;
            }

            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }

    /// <summary>The schedule of the badge at <paramref name="index"/>; empty for always.</summary>
    public IReadOnlyList<ScheduleWindow> ScheduleOf(int index) =>
        BadgeSchedules[index] is var s && s > 0 ? Schedules[s - 1] : [];

    /// <summary>The settings of door <paramref name="kioskId"/>: its own, else the site's default, else null.</summary>
    public DoorPolicy? DoorOf(string kioskId) =>
        Doors.TryGetValue(kioskId, out var door) ? door : Doors.GetValueOrDefault(AnyDoor);

    /// <summary>The canonical CBOR encoding (the payload before compression and signature).</summary>
    public byte[] ToCbor()
    {
        var w = new CborWriter(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false, allowMultipleRootLevelValues: false);
        w.WriteStartMap(11);
        w.WriteInt32(0);
        w.WriteInt32(Format);
        w.WriteInt32(1);
        w.WriteTextString(SiteId);
        w.WriteInt32(2);
        w.WriteInt64(Version);
        w.WriteInt32(3);
        w.WriteInt64(IssuedAt.ToUnixTimeMilliseconds());
        w.WriteInt32(4);
        w.WriteStartArray(Schedules.Count);
        foreach (var schedule in Schedules)
        {
            w.WriteStartArray(schedule.Count);
            foreach (var window in schedule)
            {
                w.WriteStartArray(3);
                w.WriteInt32(window.Days.Aggregate(0, (mask, day) => mask | (1 << (day - 1))));
                w.WriteInt32((window.From.Hour * 60) + window.From.Minute);
                w.WriteInt32((window.To.Hour * 60) + window.To.Minute);
                w.WriteEndArray();
            }

            w.WriteEndArray();
        }

        w.WriteEndArray();
        w.WriteInt32(5);
        w.WriteByteString(BadgeHashes);
        w.WriteInt32(6);
        var schedules = new byte[BadgeSchedules.Length * 2];
        for (var i = 0; i < BadgeSchedules.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(schedules.AsSpan(i * 2), BadgeSchedules[i]);
        }

        w.WriteByteString(schedules);
        w.WriteInt32(7);
        w.WriteStartMap(Doors.Count);
        foreach (var (kiosk, door) in Doors.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            w.WriteTextString(kiosk);
            door.Write(w);
        }

        w.WriteEndMap();
        w.WriteInt32(8);
        w.WriteStartArray(Revoked.Count);
        foreach (var id in Revoked)
        {
            w.WriteTextString(id);
        }

        w.WriteEndArray();
        w.WriteInt32(9);
        Degraded.Write(w);
        w.WriteInt32(10);
        w.WriteTextString(AntiPassback);
        w.WriteEndMap();
        return w.Encode();
    }

    /// <summary>
    /// Reads a bundle from its CBOR map, strictly: every field present and of its type, counts and lengths capped, badge
    /// hashes sorted and unique, schedule references in range. Never throws for bad input.
    /// </summary>
    public static bool TryFromCbor(ReadOnlyMemory<byte> cbor, out PolicyBundle? bundle)
    {
        bundle = null;
        try
        {
            var r = new CborReader(cbor, CborConformanceMode.Strict);
            if (r.ReadStartMap() != 11)
            {
                return false;
            }

            Expect(r, 0);
            if (r.ReadInt32() != Format)
            {
                return false;
            }

            Expect(r, 1);
            var site = Text(r);
            Expect(r, 2);
            var version = r.ReadInt64();
            Expect(r, 3);
            var issuedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.ReadInt64());
            Expect(r, 4);
            var scheduleCount = Count(r.ReadStartArray(), MaxSchedules);
            var schedules = new List<IReadOnlyList<ScheduleWindow>>(scheduleCount);
            for (var i = 0; i < scheduleCount; i++)
            {
                var windows = new ScheduleWindow[Count(r.ReadStartArray(), 32)];
                for (var j = 0; j < windows.Length; j++)
                {
                    if (r.ReadStartArray() != 3)
                    {
                        return false;
                    }

                    var mask = r.ReadInt32();
                    var from = r.ReadInt32();
                    var to = r.ReadInt32();
                    r.ReadEndArray();
                    if (mask is <= 0 or >= 128 || from is < 0 or >= 1440 || to <= from || to > 1440)
                    {
                        return false;
                    }

                    windows[j] = new ScheduleWindow(
                        [.. Enumerable.Range(1, 7).Where(d => (mask & (1 << (d - 1))) != 0)],
                        new TimeOnly(from / 60, from % 60),
                        to == 1440 ? TimeOnly.MaxValue : new TimeOnly(to / 60, to % 60));
                }

                r.ReadEndArray();
                schedules.Add(windows);
            }

            r.ReadEndArray();
            Expect(r, 5);
            var hashes = r.ReadByteString();
            Expect(r, 6);
            var scheduleBytes = r.ReadByteString();
            var count = hashes.Length / HashLength;
            if (hashes.Length % HashLength != 0 || count > MaxBadges || scheduleBytes.Length != count * 2)
            {
                return false;
            }

            var badgeSchedules = new ushort[count];
            for (var i = 0; i < count; i++)
            {
                badgeSchedules[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(scheduleBytes.AsSpan(i * 2));
                if (badgeSchedules[i] > schedules.Count
                    || (i > 0 && hashes.AsSpan((i - 1) * HashLength, HashLength).SequenceCompareTo(hashes.AsSpan(i * HashLength, HashLength)) >= 0))
                {
                    return false;
                }
            }

            Expect(r, 7);
            var doorCount = Count(r.ReadStartMap(), MaxDoors);
            var doors = new Dictionary<string, DoorPolicy>(doorCount, StringComparer.Ordinal);
            for (var i = 0; i < doorCount; i++)
            {
                var kiosk = Text(r);
                if (DoorPolicy.Read(r) is not { } door || !doors.TryAdd(kiosk, door))
                {
                    return false;
                }
            }

            r.ReadEndMap();
            Expect(r, 8);
            var revoked = new string[Count(r.ReadStartArray(), MaxRevoked)];
            for (var i = 0; i < revoked.Length; i++)
            {
                revoked[i] = Text(r);
            }

            r.ReadEndArray();
            Expect(r, 9);
            var degraded = DegradedRules.Read(r);
            Expect(r, 10);
            var antiPassback = Text(r);
            r.ReadEndMap();
            if (r.BytesRemaining != 0 || degraded is null || !AntiPassbackModes.IsValid(antiPassback) || version < 1 || !Contracts.Ids.IsValid(site))
            {
                return false;
            }

            bundle = new PolicyBundle
            {
                SiteId = site,
                Version = version,
                IssuedAt = issuedAt,
                Schedules = schedules,
                BadgeHashes = hashes,
                BadgeSchedules = badgeSchedules,
                Doors = doors,
                Revoked = revoked,
                Degraded = degraded,
                AntiPassback = antiPassback,
            };
            return true;
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or OverflowException or FormatException or ArgumentException)
        {
            return false;
        }
    }

    internal static void Expect(CborReader r, int key)
    {
        if (r.ReadInt32() != key)
        {
            throw new FormatException($"expected key {key}");
        }
    }

    internal static string Text(CborReader r)
    {
        var text = r.ReadTextString();
        return text.Length is > 0 and <= MaxTextLength ? text : throw new FormatException("text length");
    }

    internal static int Count(int? count, int max) =>
        count is { } n && n >= 0 && n <= max ? n : throw new FormatException("count");
}

/// <summary>Settings of one door that central may change remotely.</summary>
/// <param name="AcceptedKinds">The credential kinds the door opens for; null keeps the kiosk's configured ones.</param>
/// <param name="RelayPulse">How long the strike is released for an entry; null keeps the configured one.</param>
/// <param name="HeldOpenAfter">When an open door counts as held open; null keeps the configured one.</param>
/// <param name="Direction"><c>in</c> or <c>out</c>: which way an entry at this door goes (anti-passback); null is <c>in</c>.</param>
public sealed record DoorPolicy(IReadOnlyList<string>? AcceptedKinds, TimeSpan? RelayPulse = null, TimeSpan? HeldOpenAfter = null, string? Direction = null)
{
    internal void Write(CborWriter w)
    {
        var fields = (AcceptedKinds is null ? 0 : 1) + (RelayPulse is null ? 0 : 1) + (HeldOpenAfter is null ? 0 : 1) + (Direction is null ? 0 : 1);
        w.WriteStartMap(fields);
        if (AcceptedKinds is not null)
        {
            w.WriteInt32(1);
            w.WriteStartArray(AcceptedKinds.Count);
            foreach (var kind in AcceptedKinds)
            {
                w.WriteTextString(kind);
            }

            w.WriteEndArray();
        }

        if (RelayPulse is { } pulse)
        {
            w.WriteInt32(2);
            w.WriteInt64((long)pulse.TotalMilliseconds);
        }

        if (HeldOpenAfter is { } held)
        {
            w.WriteInt32(3);
            w.WriteInt64((long)held.TotalMilliseconds);
        }

        if (Direction is not null)
        {
            w.WriteInt32(4);
            w.WriteTextString(Direction);
        }

        w.WriteEndMap();
    }

    internal static DoorPolicy? Read(CborReader r)
    {
        var fields = PolicyBundle.Count(r.ReadStartMap(), 4);
        List<string>? kinds = null;
        TimeSpan? pulse = null, held = null;
        string? direction = null;
        var last = 0;
        for (var i = 0; i < fields; i++)
        {
            var key = r.ReadInt32();
            if (key <= last)
            {
                return null;
            }

            last = key;
            switch (key)
            {
                case 1:
                    kinds = new List<string>(PolicyBundle.Count(r.ReadStartArray(), 16));
                    while (r.PeekState() != CborReaderState.EndArray)
                    {
                        kinds.Add(PolicyBundle.Text(r));
                    }

                    r.ReadEndArray();
                    break;
                case 2:
                    pulse = Millis(r.ReadInt64(), TimeSpan.FromMinutes(1));
                    break;
                case 3:
                    held = Millis(r.ReadInt64(), TimeSpan.FromHours(1));
                    break;
                case 4:
                    direction = PolicyBundle.Text(r);
                    if (direction is not ("in" or "out"))
                    {
                        return null;
                    }

                    break;
                default:
                    return null;
            }
        }

        r.ReadEndMap();
        return new DoorPolicy(kinds, pulse, held, direction);
    }

    private static TimeSpan Millis(long ms, TimeSpan max) =>
        ms > 0 && ms <= max.TotalMilliseconds ? TimeSpan.FromMilliseconds(ms) : throw new FormatException("duration");
}

/// <summary>What a door does when something it relies on is missing (documented in docs/policy.md).</summary>
/// <param name="TimeBoundWithoutClock">With an untrusted clock (<c>timeSource</c> = <c>none</c>), still accept passes that carry a validity window.</param>
/// <param name="StaffOnlyWhenJournalFull">With the journal above 90 %, admit only staff badges and staff passes.</param>
/// <param name="StaleAfter">When the policy counts as stale (no newer one for this long); null never.</param>
/// <param name="DenyVisitorsWhenStale">With a stale policy, deny visitor passes instead of keeping the last good policy for everyone.</param>
public sealed record DegradedRules(bool TimeBoundWithoutClock = true, bool StaffOnlyWhenJournalFull = false, TimeSpan? StaleAfter = null, bool DenyVisitorsWhenStale = false)
{
    internal void Write(CborWriter w)
    {
        w.WriteStartArray(4);
        w.WriteBoolean(TimeBoundWithoutClock);
        w.WriteBoolean(StaffOnlyWhenJournalFull);
        w.WriteInt64(StaleAfter is { } stale ? (long)stale.TotalSeconds : 0);
        w.WriteBoolean(DenyVisitorsWhenStale);
        w.WriteEndArray();
    }

    internal static DegradedRules? Read(CborReader r)
    {
        if (r.ReadStartArray() != 4)
        {
            return null;
        }

        var rules = new DegradedRules(r.ReadBoolean(), r.ReadBoolean(), r.ReadInt64() is var s and > 0 ? TimeSpan.FromSeconds(Math.Min(s, 365L * 86400)) : null, r.ReadBoolean());
        r.ReadEndArray();
        return rules;
    }
}

/// <summary>Anti-passback modes of a site.</summary>
public static class AntiPassbackModes
{
    public const string Off = "off";

    /// <summary>Allow, and flag the entry.</summary>
    public const string Soft = "soft";

    /// <summary>Deny a second entry before an exit.</summary>
    public const string Hard = "hard";

    public static bool IsValid(string? mode) => mode is Off or Soft or Hard;
}
