using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Collecting;

/// <summary>
/// Asks kiosks to resend what central is missing. A gap must still be there one check later before it is asked
/// for, so events that are merely on their way (a kiosk draining its backlog) are not requested twice.
/// </summary>
public sealed partial class ChainRepairService(
    SqliteEventStore store,
    MqttEventCollector collector,
    IOptions<CentralOptions> options,
    TimeProvider time,
    ILogger<ChainRepairService> logger) : BackgroundService
{
    private HashSet<(string Site, string Kiosk, long From, long To)> _seen = [];
    private long _requested;

    /// <summary>Resend requests sent since start.</summary>
    public long Requested => Interlocked.Read(ref _requested);

    /// <summary>One check: requests every gap that was already there at the previous check. Returns the requests sent.</summary>
    public async Task<int> RequestMissingAsync(CancellationToken cancellationToken)
    {
        var now = new HashSet<(string, string, long, long)>();
        var sent = 0;
        foreach (var kiosk in store.GetKiosks().Where(k => k.Missing > 0))
        {
            foreach (var gap in store.GetGaps(kiosk.SiteId, kiosk.KioskId))
            {
                var key = (kiosk.SiteId, kiosk.KioskId, gap.From, gap.To);
                now.Add(key);
                if (!_seen.Contains(key))
                {
                    continue;
                }

                var command = new KioskCommand(Guid.CreateVersion7(time.GetUtcNow()), CommandTypes.Resend, gap.From, gap.To, time.GetUtcNow());
                if (await collector.PublishCommandAsync(kiosk.SiteId, kiosk.KioskId, command, cancellationToken))
                {
                    sent++;
                    Interlocked.Increment(ref _requested);
                    LogResendRequested(kiosk.SiteId, kiosk.KioskId, gap.From, gap.To);
                }
            }
        }

        _seen = now;
        return sent;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ResendCheckInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RequestMissingAsync(stoppingToken);
            }
            catch (Microsoft.Data.Sqlite.SqliteException ex)
            {
                LogCheckFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asked {Site}/{Kiosk} to resend seq {From}–{To}")]
    private partial void LogResendRequested(string site, string kiosk, long from, long to);

    [LoggerMessage(Level = LogLevel.Error, Message = "The gap check could not read the store")]
    private partial void LogCheckFailed(Exception ex);
}
