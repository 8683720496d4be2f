using GateKiosk.Contracts;
using GateKiosk.Devices.Display;

namespace GateKiosk.Devices.Tests.Display;

public sealed class DisplayTextTests
{
    public static TheoryData<DisplayLanguage, int, int> Geometries() => new()
    {
        { DisplayLanguage.Vi, 16, 2 }, { DisplayLanguage.Vi, 20, 4 }, { DisplayLanguage.En, 16, 2 }, { DisplayLanguage.En, 20, 4 },
    };

    private static IEnumerable<DisplayMessage> AllMessages() =>
        Enum.GetValues<DisplayScreen>().Where(s => s != DisplayScreen.Deny).Select(s => new DisplayMessage(s))
            .Concat(ReasonCodes.All.Select(r => new DisplayMessage(DisplayScreen.Deny, r)));

    [Theory]
    [InlineData("Đã quét vào rồi", "Da quet vao roi")]
    [InlineData("Cửa mở quá lâu", "Cua mo qua lau")]
    [InlineData("Chưa có hiệu lực", "Chua co hieu luc")]
    [InlineData("Ư Ơ Ấ Ặ ỹ đ", "U O A A y d")]
    public void Transliterate_Vietnamese_AsciiWithoutDiacritics(string text, string expected) =>
        Assert.Equal(expected, TextLayout.Transliterate(text));

    [Theory]
    [MemberData(nameof(Geometries))]
    public void LcdRender_EveryMessage_FitsWithoutCuttingAWord(DisplayLanguage language, int columns, int rows)
    {
        foreach (var message in AllMessages())
        {
            var rendered = CharacterLcdDisplay.Render(message, language, columns, rows);
            var expected = string.Join(' ', DisplayTexts.Lines(message, language).Select(TextLayout.Transliterate));

            Assert.Equal(rows, rendered.Length);
            Assert.All(rendered, line => Assert.True(line.Length <= columns, $"'{line}' is wider than {columns}"));
            Assert.All(rendered, line => Assert.True(line.All(c => c is >= ' ' and <= '~'), $"'{line}' is not ASCII"));
            Assert.Equal(expected, string.Join(' ', rendered.Where(l => l.Length > 0)));
        }
    }

    [Fact]
    public void Reason_EveryCodeInBothLanguages_HasItsOwnWords()
    {
        foreach (var language in Enum.GetValues<DisplayLanguage>())
        {
            var words = ReasonCodes.All.Select(r => DisplayTexts.Reason(r, language)).ToList();
            Assert.Equal(words.Count, words.Distinct().Count());
            Assert.DoesNotContain(DisplayTexts.Reason("no-such-code", language), words);
        }
    }

    [Fact]
    public void LcdDisplay_Show_WritesTransliteratedPaddedRows()
    {
        var lcd = new SimulatedCharacterLcd(16, 2);
        var display = new CharacterLcdDisplay(lcd, DisplayLanguage.Vi);

        display.Show(new DisplayMessage(DisplayScreen.Deny, ReasonCodes.AntiPassback));

        Assert.Equal(["Tu choi         ", "Da quet vao roi "], lcd.Text);
    }

    [Fact]
    public void OledLines_Vietnamese_KeepDiacritics_AndFit()
    {
        foreach (var message in AllMessages())
        {
            var lines = OledDisplay.Lines(message, DisplayLanguage.Vi);
            Assert.Equal(string.Join(' ', DisplayTexts.Lines(message, DisplayLanguage.Vi)), string.Join(' ', lines.Where(l => l.Length > 0)));
            Assert.All(lines, l => Assert.True(l.Length <= OledText.Columns));
        }

        Assert.Equal(["Mời vào", "Cửa đã mở", "", ""], OledDisplay.Lines(new DisplayMessage(DisplayScreen.Allow), DisplayLanguage.Vi));
    }

    [Fact]
    public void OledRender_Diacritics_DrawnAboveAndBelowTheBaseGlyph()
    {
        var marked = OledText.Render(["Mời ạ"]);
        var plain = OledText.Render(["Moi a"]);

        // Cell 1 ('ờ'): grave in the tone rows, horn at the top right; cell 4 ('ạ'): dot below.
        Assert.True(Lit(marked, 1, 0, 2), "grave accent over ơ");
        Assert.False(Lit(plain, 1, 0, 2));
        Assert.True(marked[(1 * OledText.CellWidth) + 5, 5]);
        Assert.True(Lit(marked, 4, 12, 13), "dot below ạ");
        Assert.False(Lit(plain, 4, 12, 13));

        // The base glyphs are the same.
        for (var y = 4; y < 12; y++)
        {
            for (var x = 0; x < 5 * OledText.CellWidth; x++)
            {
                if (x % OledText.CellWidth != 5)
                {
                    Assert.Equal(plain[x, y], marked[x, y]);
                }
            }
        }
    }

    [Fact]
    public void OledRender_DStroke_DiffersFromPlainD()
    {
        Assert.NotEqual(OledText.Render(["đ"]).Bytes, OledText.Render(["d"]).Bytes);
        Assert.Equal(OledText.Render(["d"]).Bytes, OledText.Render(["d"]).Bytes);
    }

    [Fact]
    public void I2cPanel_Show_SendsInitOnceThen1024DataBytes()
    {
        var device = new FakeI2cDevice();
        using var panel = new I2cSsd1306Panel(device);
        Assert.Equal([0x00, 0xAE], device.Writes[0][..2]);

        panel.Show(OledText.Render(["Xin chào"]));

        var data = device.Writes.Skip(2).Where(w => w[0] == 0x40).Sum(w => w.Length - 1);
        Assert.Equal(1024, data);
    }

    private static bool Lit(Framebuffer frame, int cell, int fromRow, int toRow)
    {
        for (var y = fromRow; y < toRow; y++)
        {
            for (var x = cell * OledText.CellWidth; x < (cell * OledText.CellWidth) + 5; x++)
            {
                if (frame[x, y])
                {
                    return true;
                }
            }
        }

        return false;
    }
}
