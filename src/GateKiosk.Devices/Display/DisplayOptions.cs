using Microsoft.Extensions.Options;

namespace GateKiosk.Devices.Display;

/// <summary>Which display is fitted.</summary>
public enum DisplayKind
{
    /// <summary>No display.</summary>
    None,

    /// <summary>16×2 character LCD (HD44780) on a PCF8574 I2C backpack; Vietnamese is shown without diacritics.</summary>
    Lcd1602,

    /// <summary>20×4 character LCD (HD44780) on a PCF8574 I2C backpack; Vietnamese is shown without diacritics.</summary>
    Lcd2004,

    /// <summary>128×64 SSD1306 OLED on I2C; Vietnamese is shown with its diacritics.</summary>
    Ssd1306,
}

/// <summary>The language of the display's messages.</summary>
public enum DisplayLanguage
{
    /// <summary>Vietnamese (<c>vi</c>).</summary>
    Vi,

    /// <summary>English (<c>en</c>).</summary>
    En,
}

/// <summary>The door display (configuration section <c>Display</c>).</summary>
public sealed class DisplayOptions
{
    public const string SectionName = "Display";

    public DisplayKind Kind { get; set; } = DisplayKind.None;

    /// <summary><c>vi</c> or <c>en</c>.</summary>
    public DisplayLanguage Language { get; set; } = DisplayLanguage.Vi;

    /// <summary>I2C bus number (<c>/dev/i2c-N</c>); 1 on the 40-pin header.</summary>
    public int I2cBus { get; set; } = 1;

    /// <summary>7-bit I2C address; 0 uses the usual one (0x27 for a PCF8574 backpack, 0x3C for an SSD1306).</summary>
    public int Address { get; set; }

    /// <summary>The address to use: <see cref="Address"/> or the kind's usual one.</summary>
    public int ResolveAddress() => Address != 0 ? Address : Kind == DisplayKind.Ssd1306 ? 0x3C : 0x27;
}

/// <summary>Names the bad key in the <c>Display</c> section.</summary>
public sealed class DisplayOptionsValidator : IValidateOptions<DisplayOptions>
{
    public ValidateOptionsResult Validate(string? name, DisplayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!Enum.IsDefined(options.Kind))
        {
            errors.Add($"Display:Kind must be None, Lcd1602, Lcd2004 or Ssd1306 (got {options.Kind}).");
        }

        if (!Enum.IsDefined(options.Language))
        {
            errors.Add($"Display:Language must be vi or en (got {options.Language}).");
        }

        if (options.I2cBus < 0)
        {
            errors.Add($"Display:I2cBus must be 0 or more (got {options.I2cBus}).");
        }

        if (options.Address is < 0 or > 0x7F)
        {
            errors.Add($"Display:Address must be a 7-bit I2C address, 0x03–0x77, or 0 for the usual one (got {options.Address}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
