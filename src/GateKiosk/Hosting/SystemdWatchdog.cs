using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Hosting;

/// <summary>
/// Pings the service manager's watchdog (<c>WATCHDOG=1</c>) at half its timeout, but only while
/// <see cref="KioskLiveness"/> finds the kiosk alive: a hung pipeline, a dead scan loop or a journal that does not answer
/// stops the pings, and systemd restarts the service (<c>Restart=on-failure</c>). Without a watchdog it does nothing.
/// </summary>
internal sealed partial class SystemdWatchdog(KioskLiveness liveness, SystemdNotifySocket? socket, TimeProvider time, ILogger<SystemdWatchdog> logger) : BackgroundService
{
    private string? _lastProblem;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (socket is null)
        {
            return;
        }

        // The check runs on its own thread: a journal that hangs holds this loop, not the host.
        await Task.Yield();
        var interval = socket.WatchdogTimeout / 2;
        while (!stoppingToken.IsCancellationRequested)
        {
            PingIfAlive();
            try
            {
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Checks the kiosk and pings when it is alive; logs a problem once, and when it clears.</summary>
    internal LivenessReport PingIfAlive()
    {
        var report = liveness.Check();
        if (report.Alive)
        {
            socket?.Send("WATCHDOG=1");
            if (_lastProblem is not null)
            {
                LogRecovered(_lastProblem);
                _lastProblem = null;
            }
        }
        else if (report.Problem != _lastProblem)
        {
            _lastProblem = report.Problem;
            LogNotAlive(report.Problem!);
            socket?.Send("STATUS=" + report.Problem);
        }

        return report;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Not alive: {Problem}; the watchdog is no longer pinged, so the service manager restarts the kiosk")]
    private partial void LogNotAlive(string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alive again after: {Problem}")]
    private partial void LogRecovered(string problem);
}
