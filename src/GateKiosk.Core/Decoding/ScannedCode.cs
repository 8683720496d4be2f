using GateKiosk.Contracts;

namespace GateKiosk.Core.Decoding;

/// <summary>The text of a code that passed the basic checks every credential needs.</summary>
/// <param name="Text">The code's text.</param>
public sealed record ScannedCode(string Text);

/// <summary>What decoding a raw scan gave: a code, or the reason there is none.</summary>
/// <param name="Code">The code, when decoding succeeded.</param>
/// <param name="Reason">Null on success; otherwise a <see cref="ReasonCodes"/> value.</param>
public sealed record DecodeResult(ScannedCode? Code, string? Reason)
{
    public static DecodeResult Ok(string text) => new(new ScannedCode(text), null);

    public static DecodeResult Fail(string reason) => new(null, reason);
}
