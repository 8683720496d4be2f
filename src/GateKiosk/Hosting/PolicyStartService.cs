using GateKiosk.Core.Policy;
using Microsoft.Extensions.Hosting;

namespace GateKiosk.Hosting;

/// <summary>Puts the last good policy from the data folder in force at start, before the scan worker starts.</summary>
internal sealed class PolicyStartService(PolicyApplier applier) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        applier.LoadStored();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
