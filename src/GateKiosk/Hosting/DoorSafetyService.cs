using GateKiosk.Core.Signalling;
using Microsoft.Extensions.Hosting;

namespace GateKiosk.Hosting;

/// <summary>Puts every door output in its safe state first at start and last at stop.</summary>
internal sealed class DoorSafetyService(IGateSignal signal) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        signal.SetSafeState();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        signal.SetSafeState();
        return Task.CompletedTask;
    }
}
