using GateKiosk.Central.Tracing;
using GateKiosk.Contracts;

namespace GateKiosk.Central.Tests.Tracing;

/// <summary>
/// One generated day at two sites around a case (badge A), with the stays and contacts worked out by hand from the
/// rules in docs/tracing.md (MaxStay 16 h, AssumedStay 4 h, MinOverlap 15 min, sites in Asia/Ho_Chi_Minh, UTC+7, so
/// the local day 2026-11-27 ends at 17:00Z).
/// </summary>
internal static class TraceScenario
{
    public const string S1 = "site-1";
    public const string S2 = "site-2";

    public static readonly Person Case = new(CredentialKinds.Badge, "A");

    /// <summary>2026-11-27 at <paramref name="hour"/>:<paramref name="minute"/> UTC.</summary>
    public static DateTimeOffset T(int hour, int minute = 0) => new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero).AddHours(hour).AddMinutes(minute);

    public static Gates Build()
    {
        var g = new Gates();

        // The case: in and out doors at site-1 in the morning, site-2 at noon, site-1 again across local midnight.
        g.Scan(S1, "door-in", "A", "in", T(1)).Scan(S1, "door-out", "A", "out", T(3));
        g.Scan(S2, "gate", "A", "in", T(5)).Scan(S2, "gate", "A", "out", T(6));
        g.Scan(S1, "door-in", "A", "in", T(16)).Scan(S1, "door-out", "A", "out", T(18));

        // B overlaps 30 min; its exit was stamped by a kiosk without a trusted clock.
        g.Scan(S1, "door-in", "B", "in", T(2)).Scan(S1, "door-out", "B", "out", T(2, 30), timeSource: TimeSources.None);

        // C overlaps exactly 15 min (02:45–03:00): a contact. D overlaps 14 min (02:46–03:00): none.
        g.Scan(S1, "door-in", "C", "in", T(2, 45)).Scan(S1, "door-out", "C", "out", T(4));
        g.Scan(S1, "door-in", "D", "in", T(2, 46)).Scan(S1, "door-out", "D", "out", T(3, 30));

        // E enters at 00:00 and never leaves: assumed until 04:00, so the whole of A's 01:00–03:00.
        g.Scan(S1, "door-in", "E", "in", T(0));

        // F is denied at the door (starts nothing) and is seen leaving without having entered (ends nothing).
        g.Scan(S1, "door-in", "F", "in", T(1, 30), allow: false).Scan(S1, "door-out", "F", "out", T(2));

        // G enters twice before leaving: 01:10 (assumed to 05:10, since the next event is an entry) and 01:20–01:40;
        // the two overlap, so they are one stay 01:10–05:10 and one contact.
        g.Scan(S1, "door-in", "G", "in", T(1, 10)).Scan(S1, "door-in", "G", "in", T(1, 20)).Scan(S1, "door-out", "G", "out", T(1, 40));

        // The same subject id under another credential kind is another person.
        g.Scan(S1, "door-in", "A", "in", T(1), kind: CredentialKinds.VisitorPass).Scan(S1, "door-out", "A", "out", T(3), kind: CredentialKinds.VisitorPass);

        // Across local midnight (17:00Z): H enters 16:50 without exit, cut at the end of the local day (10 min: none);
        // I stays 16:30–17:30 (60 min); J enters 17:10 on the next local day without exit (assumed to 21:10: 50 min).
        g.Scan(S1, "door-in", "H", "in", T(16, 50));
        g.Scan(S1, "door-in", "I", "in", T(16, 30)).Scan(S1, "door-out", "I", "out", T(17, 30));
        g.Scan(S1, "door-in", "J", "in", T(17, 10));

        // K is at site-2 while A is at site-1 (no contact), then overlaps A at site-2 by 30 min.
        g.Scan(S2, "gate", "K", "in", T(1)).Scan(S2, "gate", "K", "out", T(3));
        g.Scan(S2, "gate", "K", "in", T(5, 30)).Scan(S2, "gate", "K", "out", T(7));

        // L leaves site-2 17 h after entering (23:00 the day before): beyond MaxStay, so the exit ends nothing and the
        // stay is assumed to 03:00, before A arrives at 05:00 (were the exit taken, L would overlap A by 60 min).
        g.Scan(S2, "gate", "L", "in", T(-1)).Scan(S2, "gate", "L", "out", T(16));
        return g;
    }

    /// <summary>A's stays over the whole day (00:00–23:00Z), in time order.</summary>
    public static readonly (string Site, DateTimeOffset From, DateTimeOffset To, string[] Doors)[] Stays =
    [
        (S1, T(1), T(3), ["door-in", "door-out"]),
        (S2, T(5), T(6), ["gate"]),
        (S1, T(16), T(18), ["door-in", "door-out"]),
    ];

    /// <summary>A's contacts over the whole day, by site, then start, then subject.</summary>
    public static readonly (string Kind, string Subject, string Site, DateTimeOffset From, DateTimeOffset To, long Minutes, bool TimeSourceNone)[] Contacts =
    [
        (CredentialKinds.VisitorPass, "A", S1, T(1), T(3), 120, false),
        (CredentialKinds.Badge, "E", S1, T(1), T(3), 120, false),
        (CredentialKinds.Badge, "G", S1, T(1, 10), T(3), 110, false),
        (CredentialKinds.Badge, "B", S1, T(2), T(2, 30), 30, true),
        (CredentialKinds.Badge, "C", S1, T(2, 45), T(3), 15, false),
        (CredentialKinds.Badge, "I", S1, T(16, 30), T(17, 30), 60, false),
        (CredentialKinds.Badge, "J", S1, T(17, 10), T(18), 50, false),
        (CredentialKinds.Badge, "K", S2, T(5, 30), T(6), 30, false),
    ];
}
