using System.Data.Common;
using GateKiosk.Core.Journaling;
using GateKiosk.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GateKiosk.Hosting;

/// <summary>
/// Keeps the journal within <c>Journal:MaxSize</c>: prunes once at start (a kiosk that was off for weeks may be near its
/// bound) and then every <c>Journal:PruneInterval</c>. Pruning frees pages that SQLite reuses, so no VACUUM on the Pi.
/// </summary>
internal sealed partial class JournalMaintenanceService(
    IJournalMaintenance journal,
    IOptions<JournalOptions> options,
    TimeProvider time,
    ILogger<JournalMaintenanceService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The timer exists before the first prune, so an interval counts from start and no tick is missed.
        using var timer = new PeriodicTimer(options.Value.PruneInterval, time);
        PruneOnce();
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            PruneOnce();
        }
    }

    /// <summary>One round: prune and log what it did; null when the database refused (tried again next interval).</summary>
    internal JournalPruneResult? PruneOnce()
    {
        try
        {
            var result = journal.Prune();
            if (result.Pruned > 0)
            {
                LogPruned(result.ExpiredPruned, result.PressurePruned, result.Before.Fraction * 100, result.After.Fraction * 100);
            }

            if (result.After.Pressure != JournalPressure.Normal)
            {
                LogPressure(result.After.Pressure, result.After.Fraction * 100, result.After.UsedBytes, result.After.MaxBytes);
            }

            return result;
        }
        catch (Exception ex) when (ex is DbException or IOException)
        {
            LogPruneFailed(ex);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Journal pruned: {Expired} acknowledged events past retention, {Pressured} more for space; {BeforePercent:F0} % → {AfterPercent:F0} % of Journal:MaxSize")]
    private partial void LogPruned(long expired, long pressured, double beforePercent, double afterPercent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal {Pressure}: {Percent:F0} % used ({Used} of {Max} bytes) and the rest is unsent; it is kept, entries are denied when full")]
    private partial void LogPressure(JournalPressure pressure, double percent, long used, long max);

    [LoggerMessage(Level = LogLevel.Error, Message = "Journal pruning failed; trying again next interval")]
    private partial void LogPruneFailed(Exception ex);
}
