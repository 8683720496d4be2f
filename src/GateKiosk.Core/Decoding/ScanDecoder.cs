using GateKiosk.Contracts;
using GateKiosk.Core.Scanning;

namespace GateKiosk.Core.Decoding;

/// <summary>
/// Turns a reader's raw text into a code: strips the terminator readers add and rejects
/// what no credential can be (empty, control characters, longer than any QR can hold).
/// </summary>
public static class ScanDecoder
{
    /// <summary>A version-40 QR holds at most 7,089 numeric characters; nothing longer is a real code.</summary>
    public const int MaxLength = 7089;

    /// <summary>Checks <paramref name="scan"/> and returns its code or <see cref="ReasonCodes.Unreadable"/>.</summary>
    public static DecodeResult Decode(RawScan scan)
    {
        ArgumentNullException.ThrowIfNull(scan);
        var text = scan.Text.TrimEnd('\r', '\n');
        if (text.Length == 0 || text.Length > MaxLength)
        {
            return DecodeResult.Fail(ReasonCodes.Unreadable);
        }

        foreach (var c in text)
        {
            if (char.IsControl(c) && c != '\t')
            {
                return DecodeResult.Fail(ReasonCodes.Unreadable);
            }
        }

        return DecodeResult.Ok(text);
    }
}
