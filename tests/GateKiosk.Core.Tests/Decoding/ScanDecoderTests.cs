using GateKiosk.Contracts;
using GateKiosk.Core.Decoding;
using GateKiosk.Core.Scanning;

namespace GateKiosk.Core.Tests.Decoding;

public sealed class ScanDecoderTests
{
    [Theory]
    [InlineData("E1001\r\n", "E1001")]
    [InlineData("HC1:ABC", "HC1:ABC")]
    [InlineData("a\tb", "a\tb")]
    public void Decode_PrintableText_ReturnsTextWithoutTerminator(string raw, string expected)
    {
        var result = ScanDecoder.Decode(new RawScan(raw, 0, "test"));

        Assert.Null(result.Reason);
        Assert.Equal(expected, result.Code?.Text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\r\n")]
    [InlineData("E10\u000701")]
    [InlineData("\u001b[31m")]
    public void Decode_EmptyOrControlCharacters_IsUnreadable(string raw)
    {
        var result = ScanDecoder.Decode(new RawScan(raw, 0, "test"));

        Assert.Null(result.Code);
        Assert.Equal(ReasonCodes.Unreadable, result.Reason);
    }

    [Fact]
    public void Decode_LongerThanAnyQr_IsUnreadable()
    {
        var result = ScanDecoder.Decode(new RawScan(new string('1', ScanDecoder.MaxLength + 1), 0, "test"));

        Assert.Equal(ReasonCodes.Unreadable, result.Reason);
    }
}
