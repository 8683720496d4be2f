namespace GateKiosk.Contracts;

/// <summary>
/// Telemetry of one kiosk on <c>gatekiosk/v1/{site}/{kiosk}/telemetry</c> (QoS 0, every 30 s by default).
/// </summary>
/// <param name="KioskId">The kiosk.</param>
/// <param name="SiteId">Its site.</param>
/// <param name="At">When the snapshot was taken.</param>
/// <param name="UptimeSeconds">Seconds since the kiosk process started.</param>
/// <param name="ClockSource"><c>ntp</c>, <c>rtc</c> or <c>none</c>.</param>
/// <param name="Outbox">The journal as an outbox.</param>
/// <param name="Door">Door state (<c>closed</c>, <c>open</c>, <c>held-open</c>, <c>forced</c>) or null without a door contact.</param>
/// <param name="CpuTemperatureC">SoC temperature, when the board reports one.</param>
/// <param name="Scanner">Reader health.</param>
/// <param name="Journal">How full the journal is against its bound; null from kiosks without a bounded journal.</param>
/// <param name="PolicyVersion">The version of central's policy in force; 0 while the kiosk runs on its configuration; null from kiosks that read no policy.</param>
public sealed record KioskTelemetry(
    string KioskId,
    string SiteId,
    DateTimeOffset At,
    long UptimeSeconds,
    string ClockSource,
    OutboxTelemetry Outbox,
    string? Door,
    double? CpuTemperatureC,
    ScannerTelemetry? Scanner,
    JournalTelemetry? Journal = null,
    long? PolicyVersion = null);

/// <summary>Outbox figures of the telemetry.</summary>
/// <param name="Unsent">Events not yet acknowledged by the broker.</param>
/// <param name="OldestUnsentAgeSeconds">Age of the oldest unsent event, null when none.</param>
/// <param name="SetAside">Events the broker refused, kept until requeued.</param>
/// <param name="LastSeq">The last journaled seq.</param>
/// <param name="SizeBytes">Journal size on disk.</param>
public sealed record OutboxTelemetry(long Unsent, double? OldestUnsentAgeSeconds, long SetAside, long LastSeq, long SizeBytes);

/// <summary>Reader figures of the telemetry.</summary>
public sealed record ScannerTelemetry(string Source, bool Connected, DateTimeOffset? LastReadAt, long Reads, long DecodeFailures, long Disconnects);

/// <summary>Journal pressure of the telemetry.</summary>
/// <param name="UsedBytes">Bytes in use.</param>
/// <param name="MaxBytes">The bound (<c>Journal:MaxSize</c>).</param>
/// <param name="Pressure"><c>normal</c>, <c>alarm</c> (80 % or more is unsent and kept) or <c>full</c> (entries refused).</param>
public sealed record JournalTelemetry(long UsedBytes, long MaxBytes, string Pressure)
{
    public const string Normal = "normal";
    public const string Alarm = "alarm";
    public const string Full = "full";
}
