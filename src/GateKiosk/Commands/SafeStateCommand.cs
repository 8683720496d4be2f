using GateKiosk.Devices;
using GateKiosk.Devices.Gpio;
using GateKiosk.Hosting;
using Microsoft.Extensions.Configuration;

namespace GateKiosk.Commands;

/// <summary>
/// <c>gatekiosk safe-state</c>: every output to its inactive (unpowered) level. The service manager runs it after
/// the kiosk exits for any reason (ExecStopPost), so a crash never leaves the relay, an LED or the buzzer on.
/// </summary>
internal static class SafeStateCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, string etcFolder = "/etc/gatekiosk")
    {
        ArgumentNullException.ThrowIfNull(output);
        var configuration = new ConfigurationBuilder().AddGateKioskSources(etcFolder, args).Build();
        var gpio = configuration.GetSection(GpioOptions.SectionName).Get<GpioOptions>() ?? new GpioOptions();
        try
        {
            using var controller = DoorHardware.CreateController(gpio);
            foreach (var line in DoorHardware.ApplySafeState(controller, gpio))
            {
                await output.WriteLineAsync(line);
            }

            if (gpio.Buzzer == BuzzerKind.Passive && gpio.Driver != GpioDriverKind.Simulated)
            {
                using var buzzer = PwmBuzzer.Create(gpio);
                await output.WriteLineAsync($"buzzer PWM chip {gpio.PwmChip} channel {gpio.PwmChannel} stopped");
            }

            return 0;
        }
#pragma warning disable CA1031 // Reported and exited non-zero; the service manager logs it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await output.WriteLineAsync($"Could not put the outputs in their safe state: {ex.Message}");
            return 1;
        }
    }
}
