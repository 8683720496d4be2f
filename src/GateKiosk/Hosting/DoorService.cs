using GateKiosk.Core.Signalling;
using Microsoft.Extensions.Hosting;

namespace GateKiosk.Hosting;

/// <summary>Watches the door contact and exit button while the kiosk runs (after the outputs are safe).</summary>
internal sealed class DoorService(DoorMonitor monitor) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        monitor.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        monitor.Dispose();
        return Task.CompletedTask;
    }
}
