using QRCoder;

namespace GateKiosk.Central.Passes;

/// <summary>A pass's QR code as PNG or SVG: error correction level M, 8 pixels a module, as <c>pass issue --png/--svg</c> writes.</summary>
internal static class PassImages
{
    public static byte[] Png(string code)
    {
        using var qr = QRCodeGenerator.GenerateQrCode(code, QRCodeGenerator.ECCLevel.M);
        return new PngByteQRCode(qr).GetGraphic(8);
    }

    public static string Svg(string code)
    {
        using var qr = QRCodeGenerator.GenerateQrCode(code, QRCodeGenerator.ECCLevel.M);
        return new SvgQRCode(qr).GetGraphic(8);
    }
}
