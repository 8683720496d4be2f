using Microsoft.Extensions.Options;

namespace GateKiosk.Devices.Gpio;

/// <summary>Which GPIO driver runs the door outputs.</summary>
public enum GpioDriverKind
{
    /// <summary>libgpiod v2 (Pi 5 and current Raspberry Pi OS; also works on older Pis with libgpiod 2).</summary>
    LibGpiodV2,

    /// <summary>libgpiod v1 (older Raspberry Pi OS / Debian releases).</summary>
    LibGpiod,

    /// <summary>Direct register access on a Raspberry Pi 3/4 (not the Pi 5).</summary>
    RaspberryPi,

    /// <summary>No hardware: pins live in memory. For laptops, demos and CI.</summary>
    Simulated,
}

/// <summary>How the buzzer is driven.</summary>
public enum BuzzerKind
{
    /// <summary>No buzzer fitted.</summary>
    None,

    /// <summary>An active buzzer (it has its own oscillator): a plain output pin switches it.</summary>
    Active,

    /// <summary>A passive buzzer (a bare transducer) on a hardware PWM channel, so each pattern has its own pitch.</summary>
    Passive,
}

/// <summary>GPIO driver and door output pins (configuration section <c>Gpio</c>); pin numbers are logical (BCM).</summary>
public sealed class GpioOptions
{
    public const string SectionName = "Gpio";

    /// <summary>The driver; <see cref="GpioDriverKind.LibGpiodV2"/> unless configured.</summary>
    public GpioDriverKind Driver { get; set; } = GpioDriverKind.LibGpiodV2;

    /// <summary>The GPIO chip for libgpiod; null finds the chip of the 40-pin header automatically.</summary>
    public int? Chip { get; set; }

    /// <summary>Door strike / turnstile relay (see hardware/pinmap.json).</summary>
    public int RelayPin { get; set; } = PinMap.Default.Relay;

    /// <summary>Most relay modules switch on when their input is pulled low.</summary>
    public bool RelayActiveLow { get; set; } = true;

    /// <summary>How long the relay stays on for an allow.</summary>
    public TimeSpan RelayPulse { get; set; } = TimeSpan.FromSeconds(3);

    public int GreenLedPin { get; set; } = PinMap.Default.GreenLed;

    public int RedLedPin { get; set; } = PinMap.Default.RedLed;

    /// <summary>True when the LEDs light on a low output (LED wired to 3.3 V).</summary>
    public bool LedActiveLow { get; set; }

    /// <summary>How long the red LED stays on after a deny.</summary>
    public TimeSpan DenyIndication { get; set; } = TimeSpan.FromSeconds(1.5);

    public BuzzerKind Buzzer { get; set; } = BuzzerKind.Active;

    /// <summary>The active buzzer's pin; for a passive one, the pin the PWM channel is routed to (GPIO 18 is PWM0).</summary>
    public int BuzzerPin { get; set; } = PinMap.Default.Buzzer;

    /// <summary>True when the active buzzer sounds on a low output (a PNP driver or a low-triggered module).</summary>
    public bool BuzzerActiveLow { get; set; }

    /// <summary>PWM chip of a passive buzzer (<c>/sys/class/pwm/pwmchipN</c>; 0 on a Pi 3/4, 2 on a Pi 5 as a rule).</summary>
    public int PwmChip { get; set; }

    /// <summary>PWM channel of a passive buzzer (0 for GPIO 18 with <c>dtoverlay=pwm</c>; 2 on a Pi 5).</summary>
    public int PwmChannel { get; set; }

    public int DoorContactPin { get; set; } = PinMap.Default.DoorContact;

    /// <summary>True when the contact input reads high with the door open (a reed contact to ground with a pull-up).</summary>
    public bool DoorOpenWhenHigh { get; set; } = true;

    public int ExitButtonPin { get; set; } = PinMap.Default.ExitButton;

    /// <summary>True when the exit button pulls its input low (button to ground with a pull-up).</summary>
    public bool ExitPressedWhenLow { get; set; } = true;

    /// <summary>Enable the Pi's internal pull-up on the door contact and exit button inputs.</summary>
    public bool InputPullUp { get; set; } = true;

    /// <summary>How long an input must stay at a new level before it counts (contact bounce, cable noise).</summary>
    public TimeSpan InputDebounce { get; set; } = TimeSpan.FromMilliseconds(50);
}

/// <summary>Names the bad key in the <c>Gpio</c> section.</summary>
public sealed class GpioOptionsValidator : IValidateOptions<GpioOptions>
{
    public ValidateOptionsResult Validate(string? name, GpioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var pins = new (string Key, int Pin)[]
        {
            ("Gpio:RelayPin", options.RelayPin), ("Gpio:GreenLedPin", options.GreenLedPin), ("Gpio:RedLedPin", options.RedLedPin),
            ("Gpio:BuzzerPin", options.BuzzerPin), ("Gpio:DoorContactPin", options.DoorContactPin), ("Gpio:ExitButtonPin", options.ExitButtonPin),
        };
        foreach (var (key, pin) in pins)
        {
            if (pin is < 0 or > 53)
            {
                errors.Add($"{key} must be a logical GPIO number 0–53 (got {pin}).");
            }
        }

        foreach (var group in pins.GroupBy(p => p.Pin).Where(g => g.Count() > 1))
        {
            errors.Add($"{string.Join(" and ", group.Select(p => p.Key))} use the same pin {group.Key}.");
        }

        if (options.RelayPulse <= TimeSpan.Zero || options.RelayPulse > TimeSpan.FromMinutes(1))
        {
            errors.Add($"Gpio:RelayPulse must be between 00:00:00.001 and 00:01:00 (got {options.RelayPulse}).");
        }

        if (options.DenyIndication <= TimeSpan.Zero || options.DenyIndication > TimeSpan.FromMinutes(1))
        {
            errors.Add($"Gpio:DenyIndication must be between 00:00:00.001 and 00:01:00 (got {options.DenyIndication}).");
        }

        if (options.InputDebounce < TimeSpan.Zero || options.InputDebounce > TimeSpan.FromSeconds(1))
        {
            errors.Add($"Gpio:InputDebounce must be between 00:00:00 and 00:00:01 (got {options.InputDebounce}).");
        }

        if (!Enum.IsDefined(options.Buzzer))
        {
            errors.Add($"Gpio:Buzzer must be None, Active or Passive (got {options.Buzzer}).");
        }

        if (options.PwmChip < 0 || options.PwmChannel < 0)
        {
            errors.Add($"Gpio:PwmChip and Gpio:PwmChannel must be 0 or more (got {options.PwmChip}, {options.PwmChannel}).");
        }

        if (options.Chip is < 0)
        {
            errors.Add($"Gpio:Chip must be 0 or more (got {options.Chip}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
