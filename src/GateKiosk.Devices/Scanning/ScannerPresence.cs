using GateKiosk.Core.Scanning;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Devices.Scanning;

/// <summary>
/// Whether a reader's device is there, for the readers that open it again when it goes away: keeps the health up to
/// date, logs the first loss as a warning and each further failed attempt at debug only, and waits the reconnect delay
/// between attempts.
/// </summary>
internal sealed class ScannerPresence(string name, TimeSpan reconnectDelay, ScannerHealthTracker health, TimeProvider time, ILogger logger)
{
    private bool _absenceLogged;

    public void MarkConnected()
    {
        health.MarkConnected();
        _absenceLogged = false;
        logger.Connected(name);
    }

    /// <summary>Records the loss (or a failed attempt to open) and waits before the next attempt.</summary>
    public async Task LostAsync(string reason, CancellationToken cancellationToken)
    {
        if (health.Current.Connected || !_absenceLogged)
        {
            _absenceLogged = true;
            logger.Disconnected(name, reason, reconnectDelay);
        }
        else
        {
            logger.StillAbsent(name, reason);
        }

        health.MarkDisconnected();
        await Task.Delay(reconnectDelay, time, cancellationToken);
    }
}
