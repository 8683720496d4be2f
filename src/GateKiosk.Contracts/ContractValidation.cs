namespace GateKiosk.Contracts;

/// <summary>
/// Checks deserialised payloads against the contract (docs/contracts) beyond what JSON can express: required fields,
/// enumerations, patterns and <see cref="ContractLimits"/>. Each check returns null for a valid payload, otherwise a short
/// reason (never a field's value, which may be personal data).
/// </summary>
public static class ContractValidation
{
    private static readonly string[] EventTypeValues =
    [
        EventTypes.Entry, EventTypes.DoorOpened, EventTypes.DoorClosed, EventTypes.DoorHeldOpen, EventTypes.DoorForced,
        EventTypes.ExitRequest, EventTypes.System, EventTypes.CheckIn,
    ];

    private static readonly string[] CredentialKindValues =
    [
        CredentialKinds.Badge, CredentialKinds.StaffPass, CredentialKinds.VisitorPass, CredentialKinds.HealthDeclaration,
        CredentialKinds.EuDcc, CredentialKinds.VnPcCovid, CredentialKinds.VnCccd, CredentialKinds.Unknown,
    ];

    /// <summary>Null when <paramref name="entry"/> is a valid schemaVersion 1 event; otherwise what is wrong with it.</summary>
    public static string? CheckEvent(EntryEvent? entry)
    {
        if (entry is null)
        {
            return "not an event object";
        }

        return entry switch
        {
            { SchemaVersion: not 1 } => "schemaVersion is not 1",
            _ when entry.EventId == Guid.Empty => "eventId is missing",
            _ when !Ids.IsValid(entry.KioskId) => "kioskId is not an id",
            _ when !Ids.IsValid(entry.SiteId) => "siteId is not an id",
            { Seq: < 1 or > ContractLimits.MaxSeq } => "seq is out of range",
            _ when !IsHash(entry.PrevHash) => "prevHash is not 64 lower-case hex digits",
            _ when entry.OccurredAt == default => "occurredAt is missing",
            { TimeSource: not (TimeSources.Ntp or TimeSources.Rtc or TimeSources.None) } => "timeSource is not ntp, rtc or none",
            _ when Array.IndexOf(EventTypeValues, entry.Type) < 0 => "type is not an event type",
            { Direction: not (null or "in" or "out") } => "direction is not in or out",
            { Decision: not (null or Decisions.Allow or Decisions.Deny) } => "decision is not allow or deny",
            _ when entry.Reason is not null && !IsReasonCode(entry.Reason) => "reason is not a reason code",
            _ when CheckCredential(entry.Credential) is { } why => why,
            { PolicyVersion: < 0 } => "policyVersion is negative",
            { LatencyUs: < 0 } => "latencyUs is negative",
            { Detail.Length: > ContractLimits.MaxDetailLength } => "detail is too long",
            { LostSeqs: { } lost } when lost.From < 1 || lost.To < 1 || lost.From > ContractLimits.MaxSeq || lost.To > ContractLimits.MaxSeq
                => "lostSeqs is out of range",
            { Source: not (null or EventSources.Web) } => "source is not web",
            _ => null,
        };
    }

    /// <summary>Null when <paramref name="status"/> is a valid status; otherwise what is wrong with it.</summary>
    public static string? CheckStatus(KioskStatus? status) => status switch
    {
        null => "not a status object",
        { State: not (KioskStatus.Online or KioskStatus.Offline) } => "state is not online or offline",
        _ when !Ids.IsValid(status.KioskId) => "kioskId is not an id",
        _ when !Ids.IsValid(status.SiteId) => "siteId is not an id",
        { Version.Length: > ContractLimits.MaxVersionLength } => "version is too long",
        { Config: { } config } when config.Count > ContractLimits.MaxConfigEntries
            || config.Any(c => c.Key is null || c.Value is null || c.Key.Length > ContractLimits.MaxConfigKeyLength || c.Value.Length > ContractLimits.MaxConfigValueLength)
            => "config is too large",
        _ => null,
    };

    /// <summary>Null when <paramref name="telemetry"/> is valid telemetry; otherwise what is wrong with it.</summary>
    public static string? CheckTelemetry(KioskTelemetry? telemetry) => telemetry switch
    {
        null => "not a telemetry object",
        _ when !Ids.IsValid(telemetry.KioskId) => "kioskId is not an id",
        _ when !Ids.IsValid(telemetry.SiteId) => "siteId is not an id",
        _ when telemetry.At == default => "at is missing",
        { UptimeSeconds: < 0 } => "uptimeSeconds is negative",
        { ClockSource: not (TimeSources.Ntp or TimeSources.Rtc or TimeSources.None) } => "clockSource is not ntp, rtc or none",
        { Outbox: null } => "outbox is missing",
        { Outbox: { Unsent: < 0 } or { SetAside: < 0 } or { SizeBytes: < 0 } or { LastSeq: < 0 or > ContractLimits.MaxSeq } }
            => "outbox has a negative or out-of-range count",
        { Outbox.OldestUnsentAgeSeconds: { } age } when !double.IsFinite(age) || age < 0 => "outbox.oldestUnsentAgeSeconds is not a non-negative number",
        { Door: not (null or "closed" or "open" or "held-open" or "forced" or "unknown") } => "door is not closed, open, held-open, forced or unknown",
        { CpuTemperatureC: { } t } when !double.IsFinite(t) || t is < -100 or > 200 => "cpuTemperatureC is out of range",
        { Scanner: { } s } when s.Source is null || s.Source.Length > ContractLimits.MaxConfigValueLength || s.Reads < 0 || s.DecodeFailures < 0 || s.Disconnects < 0
            => "scanner is malformed",
        { Journal: { } j } when j.UsedBytes < 0 || j.MaxBytes < 0 || j.Pressure is not (JournalTelemetry.Normal or JournalTelemetry.Alarm or JournalTelemetry.Full)
            => "journal is malformed",
        _ => null,
    };

    /// <summary>Null when <paramref name="result"/> is a valid command result; otherwise what is wrong with it.</summary>
    public static string? CheckCommandResult(CommandResult? result) => result switch
    {
        null => "not a command result object",
        { Status: not "rejected" } when result.CommandId == Guid.Empty => "commandId is missing", // a kiosk rejects an unreadable command without one
        { Status: not ("done" or "rejected") } => "status is not done or rejected",
        { Count: < 0 } => "count is negative",
        { Detail.Length: > ContractLimits.MaxDetailLength } => "detail is too long",
        _ => null,
    };

    private static string? CheckCredential(CredentialRef? credential) => credential switch
    {
        null => null,
        _ when Array.IndexOf(CredentialKindValues, credential.Kind) < 0 => "credential.kind is not a credential kind",
        { Issuer.Length: > ContractLimits.MaxIssuerLength } => "credential.issuer is too long",
        { SubjectId.Length: > ContractLimits.MaxSubjectIdLength } => "credential.subjectId is too long",
        _ => null,
    };

    /// <summary><c>^[0-9a-f]{64}$</c>.</summary>
    private static bool IsHash(string? value) =>
        value is { Length: 64 } && value.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    /// <summary><c>^[a-z]+(-[a-z]+)*$</c>, at most <see cref="ContractLimits.MaxReasonLength"/> characters.</summary>
    private static bool IsReasonCode(string value)
    {
        if (value.Length is 0 or > ContractLimits.MaxReasonLength || value[0] == '-' || value[^1] == '-')
        {
            return false;
        }

        for (var i = 0; i < value.Length; i++)
        {
            if (!(value[i] is >= 'a' and <= 'z' || (value[i] == '-' && value[i - 1] != '-')))
            {
                return false;
            }
        }

        return true;
    }
}
