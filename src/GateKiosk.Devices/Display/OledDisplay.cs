using System.Device.I2c;
using System.Globalization;
using System.Text;
using Iot.Device.Graphics;

namespace GateKiosk.Devices.Display;

/// <summary>A 1-bit framebuffer in SSD1306 layout: 8 pages of 128 columns, bit n of a byte is row n of its page.</summary>
public sealed class Framebuffer
{
    public const int Width = 128;
    public const int Height = 64;

    public byte[] Bytes { get; } = new byte[Width * Height / 8];

    public bool this[int x, int y]
    {
        get => (Bytes[(y / 8 * Width) + x] & (1 << (y % 8))) != 0;
        set
        {
            if (x is < 0 or >= Width || y is < 0 or >= Height)
            {
                return;
            }

            if (value)
            {
                Bytes[(y / 8 * Width) + x] |= (byte)(1 << (y % 8));
            }
            else
            {
                Bytes[(y / 8 * Width) + x] &= (byte)~(1 << (y % 8));
            }
        }
    }
}

/// <summary>
/// Draws Vietnamese text with its diacritics into a <see cref="Framebuffer"/>. Each character cell is 6×13: two rows
/// for the tone mark, two for a circumflex or breve, the 5×8 base glyph, one row for a dot below. That gives
/// 21 columns × 4 rows on a 128×64 panel.
/// </summary>
public static class OledText
{
    public const int CellWidth = 6;
    public const int CellHeight = 13;
    public const int Columns = Framebuffer.Width / CellWidth;
    public const int Rows = Framebuffer.Height / CellHeight;
    private const int GlyphTop = 4;

    private static readonly Font5x8 Font = new();

    // Marks as 5-pixel rows, bit 4 = leftmost, drawn from the given cell row.
    private static readonly Dictionary<char, (int Top, byte[] Rows)> Marks = new()
    {
        ['\u0301'] = (0, [0b00010, 0b00100]), // sắc (acute)
        ['\u0300'] = (0, [0b01000, 0b00100]), // huyền (grave)
        ['\u0309'] = (0, [0b01100, 0b00100]), // hỏi (hook above)
        ['\u0303'] = (0, [0b01001, 0b10110]), // ngã (tilde)
        ['\u0323'] = (12, [0b00100]),          // nặng (dot below)
        ['\u0302'] = (2, [0b00100, 0b01010]), // circumflex (â ê ô)
        ['\u0306'] = (2, [0b10001, 0b01110]), // breve (ă)
    };

    /// <summary>Renders up to <see cref="Rows"/> lines of up to <see cref="Columns"/> characters.</summary>
    public static Framebuffer Render(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var frame = new Framebuffer();
        for (var row = 0; row < Math.Min(lines.Count, Rows); row++)
        {
            var column = 0;
            foreach (var cell in Cells(lines[row]))
            {
                if (column >= Columns)
                {
                    break;
                }

                DrawCell(frame, column * CellWidth, row * CellHeight, cell);
                column++;
            }
        }

        return frame;
    }

    /// <summary>Splits text into base characters with their combining marks (canonical decomposition).</summary>
    private static IEnumerable<(char Base, List<char> Marks)> Cells(string text)
    {
        (char Base, List<char> Marks)? current = null;
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark && current is not null)
            {
                current.Value.Marks.Add(c);
                continue;
            }

            if (current is not null)
            {
                yield return current.Value;
            }

            current = (c, []);
        }

        if (current is not null)
        {
            yield return current.Value;
        }
    }

    private static void DrawCell(Framebuffer frame, int x, int y, (char Base, List<char> Marks) cell)
    {
        var glyph = cell.Base switch
        {
            'đ' => 'd',
            'Đ' => 'D',
            >= ' ' and <= '~' => cell.Base,
            _ => '?',
        };
        Font.GetCharData(glyph, out ReadOnlySpan<ushort> data);
        for (var r = 0; r < data.Length && r < 8; r++)
        {
            DrawBits(frame, x, y + GlyphTop + r, data[r]);
        }

        if (cell.Base == 'đ')
        {
            DrawBits(frame, x, y + GlyphTop + 1, 0b00111);
        }
        else if (cell.Base == 'Đ')
        {
            DrawBits(frame, x, y + GlyphTop + 3, 0b11100);
        }

        foreach (var mark in cell.Marks)
        {
            if (mark == '\u031B')
            {
                // Horn (ơ ư): a tick at the glyph's top right, in the spacing column.
                frame[x + 5, y + GlyphTop + 1] = true;
                frame[x + 5, y + GlyphTop + 2] = true;
            }
            else if (Marks.TryGetValue(mark, out var m))
            {
                for (var r = 0; r < m.Rows.Length; r++)
                {
                    DrawBits(frame, x, y + m.Top + r, m.Rows[r]);
                }
            }
        }
    }

    private static void DrawBits(Framebuffer frame, int x, int y, int bits)
    {
        for (var c = 0; c < 5; c++)
        {
            if ((bits & (1 << (4 - c))) != 0)
            {
                frame[x + c, y] = true;
            }
        }
    }
}

/// <summary>The OLED panel: takes a whole framebuffer.</summary>
public interface IOledPanel : IDisposable
{
    void Show(Framebuffer frame);
}

/// <summary>SSD1306 output: the message with diacritics, word-wrapped to 21×4.</summary>
public sealed class OledDisplay : IGateDisplay
{
    private readonly IOledPanel _panel;
    private readonly DisplayLanguage _language;

    public OledDisplay(IOledPanel panel, DisplayLanguage language)
    {
        _panel = panel;
        _language = language;
    }

    /// <summary>The text lines for <paramref name="message"/> as the OLED shows them (diacritics kept).</summary>
    public static string[] Lines(DisplayMessage message, DisplayLanguage language) =>
        TextLayout.Fit(DisplayTexts.Lines(message, language), OledText.Columns, OledText.Rows);

    public void Show(DisplayMessage message) => _panel.Show(OledText.Render(Lines(message, _language)));
}

/// <summary>
/// An SSD1306 128×64 on I2C, driven directly: the datasheet's power-on sequence (charge pump on, horizontal
/// addressing), then each frame as 1024 data bytes.
/// </summary>
public sealed class I2cSsd1306Panel : IOledPanel
{
    private const byte Command = 0x00;
    private const byte Data = 0x40;
    private readonly I2cDevice _device;

    public I2cSsd1306Panel(I2cDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
        byte[] init =
        [
            Command, 0xAE, 0xD5, 0x80, 0xA8, 0x3F, 0xD3, 0x00, 0x40, 0x8D, 0x14, 0x20, 0x00, 0xA1, 0xC8,
            0xDA, 0x12, 0x81, 0xCF, 0xD9, 0xF1, 0xDB, 0x40, 0xA4, 0xA6, 0xAF,
        ];
        _device.Write(init);
    }

    public void Show(Framebuffer frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        _device.Write([Command, 0x21, 0, Framebuffer.Width - 1, 0x22, 0, (Framebuffer.Height / 8) - 1]);
        var chunk = new byte[17];
        chunk[0] = Data;
        for (var i = 0; i < frame.Bytes.Length; i += 16)
        {
            frame.Bytes.AsSpan(i, 16).CopyTo(chunk.AsSpan(1));
            _device.Write(chunk);
        }
    }

    public void Dispose()
    {
        _device.Write([Command, 0xAE]);
        _device.Dispose();
    }
}

/// <summary>An OLED in memory, for simulated kiosks and tests.</summary>
public sealed class SimulatedOledPanel : IOledPanel
{
    private volatile Framebuffer? _last;

    /// <summary>The last frame shown.</summary>
    public Framebuffer? Last => _last;

    public void Show(Framebuffer frame) => _last = frame;

    public void Dispose()
    {
    }
}
