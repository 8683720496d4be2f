using System.Text.Json.Serialization;

namespace GateKiosk.Contracts;

/// <summary>
/// One journaled event as it travels on <c>gatekiosk/v1/{site}/{kiosk}/events</c>:
/// an entry decision, a door event or a system event. Field names are the wire contract
/// (schemaVersion 1, see docs/contracts).
/// </summary>
public sealed record EntryEvent
{
    /// <summary>The contract version of this payload; always 1 for this record.</summary>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>UUIDv7 of the event, unique across all kiosks; central deduplicates on it.</summary>
    public required Guid EventId { get; init; }

    /// <summary>The kiosk that journaled the event (<c>[a-z0-9-]</c>).</summary>
    public required string KioskId { get; init; }

    /// <summary>The site of the kiosk (<c>[a-z0-9-]</c>).</summary>
    public required string SiteId { get; init; }

    /// <summary>Gapless sequence number per kiosk, starting at 1.</summary>
    public required long Seq { get; init; }

    /// <summary>Lower-case hex SHA-256 of the previous event's payload bytes; 64 zeros for seq 1.</summary>
    public required string PrevHash { get; init; }

    /// <summary>When the event happened, UTC with millisecond precision.</summary>
    [JsonConverter(typeof(UtcMillisecondsConverter))]
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>How far <see cref="OccurredAt"/> can be trusted: <c>ntp</c>, <c>rtc</c> or <c>none</c>.</summary>
    public required string TimeSource { get; init; }

    /// <summary>One of <see cref="EventTypes"/>.</summary>
    public required string Type { get; init; }

    /// <summary><c>in</c>, <c>out</c> or null when not applicable.</summary>
    public string? Direction { get; init; }

    /// <summary><c>allow</c> or <c>deny</c> for decisions; null for events that decide nothing.</summary>
    public string? Decision { get; init; }

    /// <summary>A stable code from <see cref="ReasonCodes"/>.</summary>
    public string? Reason { get; init; }

    /// <summary>What was presented, without personal data.</summary>
    public CredentialRef? Credential { get; init; }

    /// <summary>True when the kiosk decided without asking any server (always, today).</summary>
    public bool DecidedOffline { get; init; } = true;

    /// <summary>Version of the policy the decision was taken under; 0 for the built-in configuration.</summary>
    public long PolicyVersion { get; init; }

    /// <summary>
    /// Microseconds from scan complete to the decision, taken just before the event is committed to the journal;
    /// the commit and then the relay follow at once. Null for events that are not scans.
    /// </summary>
    public long? LatencyUs { get; init; }

    /// <summary>Free text for system events (never a payload, a name or a key).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Detail { get; init; }

    /// <summary>
    /// Only on a <c>journal-tail-lost</c> system event: the sequence numbers just below this event that the kiosk lost
    /// (or never used) and cannot send. <see cref="LostSeqRange.To"/> is always <c>seq - 1</c>, and <see cref="PrevHash"/>
    /// is the hash of event <c>from - 1</c> (64 zeros when <c>from</c> is 1), so the chain continues from the last
    /// event the kiosk kept. Central does not ask for these numbers again.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LostSeqRange? LostSeqs { get; init; }

    /// <summary>
    /// Where a visit was recorded when no kiosk recorded it: <c>web</c> for a check-in on central's declaration page
    /// (kiosk id <c>web</c>). Absent on kiosks' own events.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Source { get; init; }
}

/// <summary>A range of sequence numbers a kiosk declares lost, both ends included.</summary>
/// <param name="From">First lost seq (at least 1).</param>
/// <param name="To">Last lost seq: the seq of the declaring event minus one.</param>
public sealed record LostSeqRange(long From, long To);

/// <summary>The credential behind a decision: kind, issuer and subject id, never a name or birth date.</summary>
/// <param name="Kind">One of <see cref="CredentialKinds"/>.</param>
/// <param name="Issuer">Who vouches for it (for a badge: <c>allowlist</c>).</param>
/// <param name="SubjectId">A stable id of the holder: the badge number, a pass subject, or a keyed hash.</param>
public sealed record CredentialRef(string Kind, string? Issuer, string? SubjectId);

/// <summary>The event types of the contract.</summary>
public static class EventTypes
{
    public const string Entry = "entry";
    public const string DoorOpened = "door-opened";
    public const string DoorClosed = "door-closed";
    public const string DoorHeldOpen = "door-held-open";
    public const string DoorForced = "door-forced";
    public const string ExitRequest = "exit-request";
    public const string System = "system";

    /// <summary>A visit recorded without a kiosk: the visitor declared on the site's page (source <c>web</c>).</summary>
    public const string CheckIn = "check-in";
}

/// <summary>Values of <see cref="EntryEvent.Source"/>.</summary>
public static class EventSources
{
    /// <summary>Central's public declaration page or API.</summary>
    public const string Web = "web";
}

/// <summary>Decision values.</summary>
public static class Decisions
{
    public const string Allow = "allow";
    public const string Deny = "deny";
}

/// <summary>Credential kinds.</summary>
public static class CredentialKinds
{
    public const string Badge = "badge";
    public const string StaffPass = "staff-pass";
    public const string VisitorPass = "visitor-pass";
    public const string HealthDeclaration = "health-declaration";
    public const string EuDcc = "eu-dcc";

    /// <summary>The personal QR of Vietnam's national COVID app (PC-Covid); unsigned, the subject id is a keyed hash of the ID number.</summary>
    public const string VnPcCovid = "vn-pccovid";

    /// <summary>The QR on Vietnam's chip citizen ID card (CCCD); unsigned, the subject id is a keyed hash of the ID number.</summary>
    public const string VnCccd = "vn-cccd";

    public const string Unknown = "unknown";
}

/// <summary>Where the kiosk's clock comes from.</summary>
public static class TimeSources
{
    public const string Ntp = "ntp";
    public const string Rtc = "rtc";
    public const string None = "none";
}
