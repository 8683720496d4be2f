using GateKiosk.Core.Signalling;
using GateKiosk.Devices.Gpio;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Hosting;

/// <summary>Watches the door contact and exit button while the kiosk runs (after the outputs are safe).</summary>
internal sealed partial class DoorService(DoorMonitor monitor, IDoorSensor sensor, ILogger<DoorService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (sensor is GpioDoorSensor gpio)
        {
            gpio.HandlerFailed += OnHandlerFailed;
        }

        monitor.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        monitor.Dispose();
        if (sensor is GpioDoorSensor gpio)
        {
            gpio.HandlerFailed -= OnHandlerFailed;
        }

        return Task.CompletedTask;
    }

    private void OnHandlerFailed(object? sender, Exception ex) => LogHandlerFailed(ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling a door input change failed; the door inputs keep being watched")]
    private partial void LogHandlerFailed(Exception ex);
}
