namespace GateKiosk.Central.Alarms;

/// <summary>The kinds of alarm central raises.</summary>
public static class AlarmKinds
{
    /// <summary>A door opened without a grant (a <c>door-forced</c> event).</summary>
    public const string DoorForced = "door-forced";

    /// <summary>A door left open too long (a <c>door-held-open</c> event).</summary>
    public const string DoorHeldOpen = "door-held-open";

    /// <summary>The kiosk's reader is disconnected (its latest telemetry).</summary>
    public const string ReaderLost = "reader-lost";

    /// <summary>The kiosk said it went offline (its retained status, or the broker's will for it).</summary>
    public const string KioskOffline = "kiosk-offline";

    /// <summary>The kiosk says it is online but has sent no telemetry for three intervals.</summary>
    public const string KioskStale = "kiosk-stale";

    /// <summary>The kiosk's journal is 80 % full of unsent entries, or full (its latest telemetry).</summary>
    public const string JournalPressure = "journal-pressure";

    public static readonly IReadOnlyList<string> All = [DoorForced, DoorHeldOpen, ReaderLost, KioskOffline, KioskStale, JournalPressure];
}

/// <summary>
/// One alarm: what, where and since when, and any acknowledgement. <paramref name="Key"/> names the occurrence: an
/// event's id, or for a condition of a kiosk its kind, kiosk and what marks the episode (the offline status's time, the
/// last telemetry's time, the reader's disconnect count, the journal's pressure level), so a new episode is a new alarm.
/// </summary>
public sealed record Alarm(string Key, string Kind, string SiteId, string KioskId, DateTimeOffset? Since, string? Detail, AlarmAck? Ack);

/// <summary>Who acknowledged an alarm and when.</summary>
public sealed record AlarmAck(string Key, string AckedBy, DateTimeOffset AckedAt);
