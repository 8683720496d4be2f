using System.Text;
using ZXing;
using ZXing.Common;
using ZXing.QrCode;

namespace GateKiosk.Devices.Scanning.Camera;

/// <summary>How hard to look for a code in one image.</summary>
public enum DecodeEffort
{
    /// <summary>
    /// A camera frame: one careful pass, and the inverted image when that finds nothing (light-on-dark codes). The
    /// next frame comes 33 ms later anyway.
    /// </summary>
    Frame,

    /// <summary>A still image (the decode command): further binarizers, scales and rotations when the first pass finds nothing.</summary>
    Still,
}

/// <summary>
/// Finds a QR code in a grey image with ZXing.Net, reading the luminance bytes in place (no bitmap conversion).
/// Later attempts run only when the earlier ones found nothing, so a clear code costs one pass.
/// Not thread-safe: one decoder per thread.
/// </summary>
public sealed class QrFrameDecoder
{
    private static readonly Dictionary<DecodeHintType, object> Hints = new()
    {
        [DecodeHintType.TRY_HARDER] = true,
        [DecodeHintType.POSSIBLE_FORMATS] = new List<BarcodeFormat> { BarcodeFormat.QR_CODE },
    };

    private readonly QRCodeReader _reader = new();
    private readonly DecodeEffort _effort;

    static QrFrameDecoder()
    {
        // Codes without an ECI are guessed as Shift_JIS, ISO-8859-1 or UTF-8; .NET has Shift_JIS only through this provider.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    public QrFrameDecoder(DecodeEffort effort)
    {
        _effort = effort;
    }

    /// <summary>The text of the first code found in <paramref name="frame"/> (within <paramref name="roi"/>), or null.</summary>
    public string? Decode(LuminanceFrame frame, RegionOfInterest? roi = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var (x, y, w, h) = roi is { } r && r.FitsIn(frame.Width, frame.Height) ? (r.X, r.Y, r.Width, r.Height) : (0, 0, frame.Width, frame.Height);
        LuminanceSource source = new PlanarYUVLuminanceSource(frame.Pixels, frame.Width, frame.Height, x, y, w, h, false);

        // Large photos: most codes in them are big enough to read at half size, which costs a quarter of the time
        // (and averaging 2×2 pixels smooths sensor noise); the full size follows when that fails.
        if (_effort == DecodeEffort.Still && roi is null && Math.Max(w, h) >= 640 && Try(Source(frame.Scale(0.5)), hybrid: true) is { } half)
        {
            return half;
        }

        if (Try(source, hybrid: true) is { } text)
        {
            return text;
        }

        if (_effort == DecodeEffort.Frame)
        {
            return Try(new InvertedLuminanceSource(source), hybrid: true);
        }

        return DecodeStill(frame, source, roi);
    }

    private string? DecodeStill(LuminanceFrame frame, LuminanceSource source, RegionOfInterest? roi)
    {
        var region = roi is { } r && r.FitsIn(frame.Width, frame.Height) ? Crop(frame, r) : frame;
        var longest = Math.Max(region.Width, region.Height);

        // The global threshold at full size; small images get it enlarged below, which finds all it would.
        if (longest > 400 && Try(source, hybrid: false) is { } global)
        {
            return global;
        }

        // Low-resolution photos: modules of 1–2 pixels blur into each other, and the finder-pattern scan counts
        // whole pixels; enlarged, the module edges fall between pixels and the counts come out right. The global
        // threshold suits these small, evenly lit codes; the local one suits uneven light. Cheapest first: on the
        // qr-blackbox corpus this order finds the same codes as trying every scale with both thresholds.
        if (longest <= 640 && Try(Source(region.Scale(1.5)), hybrid: false) is { } g15)
        {
            return g15;
        }

        if (longest <= 400)
        {
            var doubled = region.Scale(2);
            if (Try(Source(doubled), hybrid: false) is { } g2)
            {
                return g2;
            }

            if (Try(Source(doubled), hybrid: true) is { } h2)
            {
                return h2;
            }
        }

        return Try(new InvertedLuminanceSource(source), hybrid: true);
    }

    private static PlanarYUVLuminanceSource Source(LuminanceFrame f) => new(f.Pixels, f.Width, f.Height, 0, 0, f.Width, f.Height, false);

    private static LuminanceFrame Crop(LuminanceFrame frame, RegionOfInterest r)
    {
        var pixels = new byte[r.Width * r.Height];
        for (var row = 0; row < r.Height; row++)
        {
            frame.Pixels.AsSpan(((r.Y + row) * frame.Width) + r.X, r.Width).CopyTo(pixels.AsSpan(row * r.Width));
        }

        return new LuminanceFrame(pixels, r.Width, r.Height, frame.CapturedAt);
    }

    private string? Try(LuminanceSource source, bool hybrid)
    {
        Binarizer binarizer = hybrid ? new HybridBinarizer(source) : new GlobalHistogramBinarizer(source);
        var result = _reader.decode(new BinaryBitmap(binarizer), Hints);
        _reader.reset();
        return result?.Text;
    }
}
