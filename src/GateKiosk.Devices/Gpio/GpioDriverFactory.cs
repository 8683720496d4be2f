using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using GateKiosk.Devices.Simulated;

namespace GateKiosk.Devices.Gpio;

/// <summary>Creates the configured driver instead of trusting <c>new GpioController()</c> to guess (it fails on a Pi 5).</summary>
public static class GpioDriverFactory
{
    /// <summary>Creates the driver <paramref name="options"/> asks for; throws with the key to change when it cannot.</summary>
    public static GpioDriver Create(GpioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            return options.Driver switch
            {
                GpioDriverKind.Simulated => new SimulatedGpioDriver(),
                GpioDriverKind.LibGpiodV2 => new LibGpiodV2Driver(options.Chip ?? FindHeaderChip()),
                GpioDriverKind.LibGpiod => new LibGpiodDriver(options.Chip ?? 0),
                GpioDriverKind.RaspberryPi => new RaspberryPi3Driver(),
                _ => throw new ArgumentOutOfRangeException(nameof(options), options.Driver, "Unknown Gpio:Driver."),
            };
        }
        catch (Exception ex) when (ex is not ArgumentOutOfRangeException and not GpioDriverUnavailableException)
        {
            throw new GpioDriverUnavailableException(
                $"Gpio:Driver {options.Driver} could not be started ({ex.Message}). On a machine without GPIO set Gpio:Driver=Simulated.", ex);
        }
    }

    /// <summary>
    /// The chip that carries the 40-pin header: on a Pi 5 the RP1 (label <c>pinctrl-rp1</c>), on older
    /// Pis the BCM SoC (<c>pinctrl-bcm2711</c>/<c>pinctrl-bcm2835</c>); otherwise the first chip.
    /// </summary>
    private static int FindHeaderChip()
    {
        var chips = LibGpiodV2Driver.GetAvailableChips();
        var header = chips.FirstOrDefault(c => c.Label.Contains("rp1", StringComparison.OrdinalIgnoreCase))
            ?? chips.FirstOrDefault(c => c.Label.Contains("bcm2", StringComparison.OrdinalIgnoreCase))
            ?? chips.FirstOrDefault()
            ?? throw new GpioDriverUnavailableException("No GPIO chip found (/dev/gpiochip*). On a machine without GPIO set Gpio:Driver=Simulated.");
        return header.Id;
    }
}

/// <summary>The configured GPIO driver cannot run on this machine.</summary>
public sealed class GpioDriverUnavailableException : GateKiosk.Hosting.ConfigurationProblemException
{
    public GpioDriverUnavailableException()
    {
    }

    public GpioDriverUnavailableException(string message)
        : base(message)
    {
    }

    public GpioDriverUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
