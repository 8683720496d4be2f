using System.Device.Gpio;
using System.Device.I2c;
using Iot.Device.CharacterLcd;
using Iot.Device.Pcx857x;

namespace GateKiosk.Devices.Display;

/// <summary>A character LCD as the display needs it: a size and whole rows of ASCII.</summary>
public interface ICharacterLcd : IDisposable
{
    int Columns { get; }

    int Rows { get; }

    /// <summary>Writes <paramref name="text"/> (already padded to <see cref="Columns"/>) on <paramref name="row"/>.</summary>
    void WriteRow(int row, string text);
}

/// <summary>LCD1602/LCD2004 output: transliterated, word-wrapped, every row rewritten in full (no slow clear).</summary>
public sealed class CharacterLcdDisplay : IGateDisplay
{
    private readonly ICharacterLcd _lcd;
    private readonly DisplayLanguage _language;

    public CharacterLcdDisplay(ICharacterLcd lcd, DisplayLanguage language)
    {
        _lcd = lcd;
        _language = language;
    }

    /// <summary>The rows as they are written for <paramref name="message"/> on a <paramref name="columns"/>×<paramref name="rows"/> LCD.</summary>
    public static string[] Render(DisplayMessage message, DisplayLanguage language, int columns, int rows) =>
        TextLayout.Fit(DisplayTexts.Lines(message, language).Select(TextLayout.Transliterate), columns, rows);

    public void Show(DisplayMessage message)
    {
        var rows = Render(message, _language, _lcd.Columns, _lcd.Rows);
        for (var row = 0; row < rows.Length; row++)
        {
            _lcd.WriteRow(row, rows[row].PadRight(_lcd.Columns));
        }
    }
}

/// <summary>
/// An HD44780 LCD behind a PCF8574 I2C backpack (the common "LCM1602 IIC" board). The backpack wires
/// P0=RS, P1=RW, P2=E, P3=backlight, P4–P7=D4–D7.
/// </summary>
public sealed class Pcf8574CharacterLcd : ICharacterLcd
{
    private readonly Hd44780 _lcd;
    private readonly GpioController _backpack;

    public Pcf8574CharacterLcd(I2cDevice device, int columns, int rows)
    {
        Columns = columns;
        Rows = rows;
        _backpack = new GpioController(new Pcf8574(device));
        int[] data = [4, 5, 6, 7];
        _lcd = rows >= 4
            ? new Lcd2004(registerSelectPin: 0, enablePin: 2, dataPins: data, backlightPin: 3, backlightBrightness: 1f, readWritePin: 1, controller: _backpack, shouldDispose: false)
            : new Lcd1602(registerSelectPin: 0, enablePin: 2, dataPins: data, backlightPin: 3, backlightBrightness: 1f, readWritePin: 1, controller: _backpack, shouldDispose: false);
        _lcd.Clear();
    }

    public int Columns { get; }

    public int Rows { get; }

    public void WriteRow(int row, string text)
    {
        _lcd.SetCursorPosition(0, row);
        _lcd.Write(text);
    }

    public void Dispose()
    {
        _lcd.Dispose();
        _backpack.Dispose();
    }
}

/// <summary>A character LCD in memory, for simulated kiosks and tests.</summary>
public sealed class SimulatedCharacterLcd(int columns, int rows) : ICharacterLcd
{
    private readonly string[] _rows = [.. Enumerable.Repeat(new string(' ', columns), rows)];

    public int Columns { get; } = columns;

    public int Rows { get; } = rows;

    /// <summary>What the LCD shows now.</summary>
    public IReadOnlyList<string> Text
    {
        get
        {
            lock (_rows)
            {
                return [.. _rows];
            }
        }
    }

    public void WriteRow(int row, string text)
    {
        lock (_rows)
        {
            _rows[row] = text;
        }
    }

    public void Dispose()
    {
    }
}
