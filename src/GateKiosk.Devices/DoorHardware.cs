using System.Device.Gpio;
using System.Device.I2c;
using GateKiosk.Core.Signalling;
using GateKiosk.Devices.Display;
using GateKiosk.Devices.Gpio;
using GateKiosk.Devices.Simulated;

namespace GateKiosk.Devices;

/// <summary>Builds the door's devices from configuration: the real ones on a Pi, in-memory ones for <c>Gpio:Driver=Simulated</c>.</summary>
public static class DoorHardware
{
    /// <summary>The controller for the configured driver. A simulated door starts closed with the exit button released.</summary>
    public static GpioController CreateController(GpioOptions gpio)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        var driver = GpioDriverFactory.Create(gpio);
        if (driver is SimulatedGpioDriver simulated)
        {
            simulated.SetInput(gpio.DoorContactPin, gpio.DoorOpenWhenHigh ? PinValue.Low : PinValue.High);
            simulated.SetInput(gpio.ExitButtonPin, gpio.ExitPressedWhenLow ? PinValue.High : PinValue.Low);
        }

        return new GpioController(driver);
    }

    /// <summary>The configured buzzer, or null. A passive buzzer on a simulated kiosk is simulated as a pin.</summary>
    public static IBuzzer? CreateBuzzer(GpioController controller, GpioOptions gpio)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        return gpio.Buzzer switch
        {
            BuzzerKind.None => null,
            BuzzerKind.Passive when gpio.Driver != GpioDriverKind.Simulated => PwmBuzzer.Create(gpio),
            _ => new PinBuzzer(controller, gpio.BuzzerPin, gpio.BuzzerActiveLow),
        };
    }

    /// <summary>
    /// The configured display writing synchronously, and the device to dispose with it; with <paramref name="simulated"/>
    /// an in-memory panel of the same size. Throws when the I2C device cannot be opened.
    /// </summary>
    public static (IGateDisplay Display, IDisposable? Device) CreateDisplay(DisplayOptions options, bool simulated)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Kind == DisplayKind.None)
        {
            return (new NoDisplay(), null);
        }

        if (options.Kind == DisplayKind.Ssd1306)
        {
            IOledPanel panel = simulated ? new SimulatedOledPanel() : new I2cSsd1306Panel(OpenI2c(options));
            return (new OledDisplay(panel, options.Language), panel);
        }

        var (columns, rows) = options.Kind == DisplayKind.Lcd2004 ? (20, 4) : (16, 2);
        ICharacterLcd lcd = simulated ? new SimulatedCharacterLcd(columns, rows) : new Pcf8574CharacterLcd(OpenI2c(options), columns, rows);
        return (new CharacterLcdDisplay(lcd, options.Language), lcd);
    }

    /// <summary>
    /// Drives every output to its inactive (unpowered) level and leaves it there: what the service manager runs after
    /// the kiosk exits, crash included. Returns one line per output. <paramref name="leaveRelay"/> keeps the relay as it
    /// is (the self-test of a fail-safe door, whose relay is already back at its energised rest).
    /// </summary>
    public static IReadOnlyList<string> ApplySafeState(GpioController controller, GpioOptions gpio, bool leaveRelay = false)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(gpio);
        var outputs = new List<(string Name, int Pin, bool ActiveLow)>
        {
            ("green LED", gpio.GreenLedPin, gpio.LedActiveLow),
            ("red LED", gpio.RedLedPin, gpio.LedActiveLow),
        };
        if (!leaveRelay)
        {
            outputs.Insert(0, ("relay", gpio.RelayPin, gpio.RelayActiveLow));
        }

        if (gpio.Buzzer == BuzzerKind.Active)
        {
            outputs.Add(("buzzer", gpio.BuzzerPin, gpio.BuzzerActiveLow));
        }

        var lines = new List<string>();
        foreach (var (name, pin, activeLow) in outputs)
        {
            var level = activeLow ? PinValue.High : PinValue.Low;
            GpioOutputs.OpenAt(controller, pin, level);
            lines.Add($"{name} GPIO {pin} = {(level == PinValue.High ? "high" : "low")} (off)");
        }

        return lines;
    }

    /// <summary>The door inputs on <paramref name="controller"/>.</summary>
    public static GpioDoorSensor CreateSensor(GpioController controller, GpioOptions gpio, DoorOptions door, TimeProvider time) =>
        new(controller, gpio, door, time);

    private static I2cDevice OpenI2c(DisplayOptions options) => I2cDevice.Create(new I2cConnectionSettings(options.I2cBus, options.ResolveAddress()));
}

/// <summary>No display fitted.</summary>
public sealed class NoDisplay : IGateDisplay
{
    public void Show(DisplayMessage message)
    {
    }
}
