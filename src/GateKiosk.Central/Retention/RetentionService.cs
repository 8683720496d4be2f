using System.Globalization;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Tracing;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Retention;

/// <summary>What one purge did.</summary>
/// <param name="Cutoff">Events that occurred before this lost their personal fields.</param>
/// <param name="DaysKept">Site-days whose distinct people were kept first.</param>
/// <param name="Redacted">Events whose personal fields were removed.</param>
/// <param name="QuarantineDeleted">Quarantined messages deleted.</param>
internal sealed record PurgeResult(DateTimeOffset Cutoff, int DaysKept, long Redacted, int QuarantineDeleted);

/// <summary>
/// Forgets on time (<c>Central:PersonalDataRetention</c>): at start and then daily, keeps each old site-day's count of
/// distinct people for the daily report, then removes the personal fields of events older than the retention in
/// batches (one short transaction each, so ingest never waits long), deletes old quarantined messages, and records the
/// counts in the audit trail. Chain verdicts are kept: a redacted event keeps the hash it arrived with.
/// </summary>
internal sealed partial class RetentionService(
    IRetentionStore store, IAuditLog audit, SiteClock clock, IOptions<CentralOptions> options, TimeProvider time, ILogger<RetentionService> logger) : BackgroundService
{
    /// <summary>Events redacted per transaction.</summary>
    public const int BatchSize = 2000;

    /// <summary>How often the purge runs.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    /// <summary>One purge, as the daily run does it.</summary>
    public async Task<PurgeResult> PurgeAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = time.GetUtcNow() - options.Value.PersonalDataRetention;
        var days = 0;
        foreach (var (site, oldest) in await store.GetPersonalBeforeAsync(cutoff, cancellationToken))
        {
            // Only days that hold personal events: a kiosk without a clock may have stamped 1970.
            for (DateTimeOffset? next = oldest; next is { } at;)
            {
                var day = clock.DateOf(at);
                var end = clock.StartOf(day.AddDays(1));
                await store.KeepDailyPeopleAsync(site, day, clock.StartOf(day), end, cancellationToken);
                days++;
                next = await store.GetNextPersonalAsync(site, end, cutoff, cancellationToken);
            }
        }

        long redacted = 0;
        int n;
        while ((n = await store.RedactBatchAsync(cutoff, BatchSize, cancellationToken)) > 0)
        {
            redacted += n;
        }

        var quarantined = await store.DeleteQuarantineBeforeAsync(cutoff, cancellationToken);
        var result = new PurgeResult(cutoff, days, redacted, quarantined);
        await audit.AppendAuditAsync(
            new AuditRecord(
                time.GetUtcNow(),
                "central",
                "retention-purge",
                string.Create(CultureInfo.InvariantCulture, $"cutoff={Api.TraceEndpoints.Rfc3339(cutoff)} days-kept={days} events-redacted={redacted} quarantine-deleted={quarantined}")),
            cancellationToken);
        LogPurged(logger, cutoff, days, redacted, quarantined);
        return result;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The store may be briefly unavailable (PostgreSQL restart, disk full): the next day's run tries again.
                LogPurgeFailed(logger, ex);
            }

            await Task.Delay(Interval, time, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: events before {Cutoff} lost their personal fields: {Days} site-days kept first, {Redacted} events redacted, {Quarantined} quarantined messages deleted")]
    private static partial void LogPurged(ILogger logger, DateTimeOffset cutoff, int days, long redacted, int quarantined);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention purge failed; it runs again in a day")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception);
}
