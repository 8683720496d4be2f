using System.Globalization;
using GateKiosk.Central.People;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;

namespace GateKiosk.Central.Alarms;

/// <summary>
/// The alarms of a user's sites, from what central holds: door-forced and held-open events of the last
/// <see cref="EventWindow"/>, and each kiosk's state and latest telemetry in <see cref="KioskHealthStore"/> (offline,
/// stale, reader lost, journal pressure). Acknowledging records who and when, and the audit trail keeps it.
/// </summary>
internal sealed class AlarmService(IEventQueries events, KioskHealthStore health, SqliteAlarmAcks acks, PeopleService audit, TimeProvider time)
{
    /// <summary>How far back door events are listed.</summary>
    public static readonly TimeSpan EventWindow = TimeSpan.FromHours(24);

    /// <summary>Most door events listed per kind.</summary>
    public const int MaxEvents = 200;

    /// <summary>The current alarms of the sites <paramref name="allowed"/> admits: unacknowledged first, then newest first.</summary>
    public async Task<IReadOnlyList<Alarm>> ListAsync(Func<string, bool> allowed, IReadOnlyList<string>? sites, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        var now = time.GetUtcNow();
        var list = new List<Alarm>();
        foreach (var type in (string[])[EventTypes.DoorForced, EventTypes.DoorHeldOpen])
        {
            var page = await events.GetEventsAsync(new EventQuery(From: now - EventWindow, To: now, Limit: MaxEvents, Type: type, Sites: sites), cancellationToken);
            foreach (var payload in page.Payloads)
            {
                var e = System.Text.Json.JsonSerializer.Deserialize(payload.Span, ContractsJsonContext.Default.EntryEvent);
                if (e is not null && allowed(e.SiteId))
                {
                    list.Add(new Alarm("event:" + e.EventId, type, e.SiteId, e.KioskId, e.OccurredAt, null, null));
                }
            }
        }

        foreach (var (site, kiosk, h) in health.GetAll())
        {
            if (site.Length == 0 || !allowed(site))
            {
                continue;
            }

            var where = $"{site}/{kiosk}";
            if (h.State == KioskHealthStates.Offline)
            {
                list.Add(new Alarm($"{AlarmKinds.KioskOffline}:{where}:{Stamp(h.StatusReceivedAt)}", AlarmKinds.KioskOffline, site, kiosk, h.StatusReceivedAt, null, null));
            }
            else if (h.State == KioskHealthStates.Stale)
            {
                var last = h.TelemetryReceivedAt ?? h.StatusReceivedAt;
                list.Add(new Alarm($"{AlarmKinds.KioskStale}:{where}:{Stamp(last)}", AlarmKinds.KioskStale, site, kiosk, last, null, null));
            }

            if (h.Telemetry is not { } t || h.State == KioskHealthStates.Offline)
            {
                continue;
            }

            if (t.Scanner is { Connected: false } scanner)
            {
                list.Add(new Alarm(
                    $"{AlarmKinds.ReaderLost}:{where}:{scanner.Disconnects.ToString(CultureInfo.InvariantCulture)}", AlarmKinds.ReaderLost, site, kiosk,
                    scanner.LastReadAt, scanner.Source, null));
            }

            if (t.Journal is { } journal && journal.Pressure != JournalTelemetry.Normal)
            {
                var percent = journal.MaxBytes > 0 ? (100 * journal.UsedBytes / journal.MaxBytes).ToString(CultureInfo.InvariantCulture) + " %" : null;
                list.Add(new Alarm($"{AlarmKinds.JournalPressure}:{where}:{journal.Pressure}", AlarmKinds.JournalPressure, site, kiosk, h.TelemetryReceivedAt, $"{journal.Pressure} {percent}".Trim(), null));
            }
        }

        var found = acks.Find([.. list.Select(a => a.Key)]);
        return [.. list.Select(a => found.TryGetValue(a.Key, out var ack) ? a with { Ack = ack } : a)
            .OrderBy(a => a.Ack is null ? 0 : 1).ThenByDescending(a => a.Since ?? DateTimeOffset.MinValue)];
    }

    /// <summary>Acknowledges the current alarm <paramref name="key"/> of the actor's sites; false when there is no such alarm or it was acknowledged already.</summary>
    public async Task<bool> AcknowledgeAsync(string key, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);

        // Only an alarm on the list can be acknowledged: a made-up key would fill the table.
        var alarm = (await ListAsync(actor.Scope.Allows, actor.Scope.All ? null : [.. actor.Scope.Sites], cancellationToken)).FirstOrDefault(a => a.Key == key);
        if (alarm is null || alarm.Ack is not null || !acks.Add(alarm, actor.UserName, time.GetUtcNow()))
        {
            return false;
        }

        await audit.AuditAsync(actor, "alarm-ack", $"kind={alarm.Kind} site={alarm.SiteId} kiosk={alarm.KioskId} since={Stamp(alarm.Since)}", cancellationToken);
        return true;
    }

    private static string Stamp(DateTimeOffset? at) => at is { } t ? t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) : "-";
}
