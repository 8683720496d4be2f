using System.Diagnostics;
using System.Text;
using ZXing;
using ZXing.Common;

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

        var started = Stopwatch.GetTimestamp();
        if (Try(source, hybrid: true) is { } text)
        {
            return text;
        }

        // A moving-window threshold where the block threshold lost the code: blur, sensor noise and uneven light
        // across the code move module edges within one of the hybrid binarizer's blocks.
        var radius = Math.Max(6, Math.Min(w, h) / 32);
        if (_effort == DecodeEffort.Frame)
        {
            if (Try(new InvertedLuminanceSource(source), hybrid: true) is { } inverted)
            {
                return inverted;
            }

            // The next frame comes 33 ms later: past the budget, it gets the time instead.
            return Stopwatch.GetElapsedTime(started) < FrameBudget ? TryLocal(source, radius) : null;
        }

        // Stills: the cheaper attempts first, then the moving-window threshold at full and half size.
        if (DecodeStill(frame, source, roi) is { } still)
        {
            return still;
        }

        if (TryLocal(source, radius) is { } fullLocal)
        {
            return fullLocal;
        }

        if (Math.Max(w, h) >= 640 && TryLocal(Source(Crop(frame, x, y, w, h).Scale(0.5)), Math.Max(4, radius / 2)) is { } halfLocal)
        {
            return halfLocal;
        }

        // Sensor noise, JPEG blocks and the camera's sharpening halos break the finder patterns' runs: smoothed over
        // 3×3 pixels, and at three quarters of the size, they read again.
        var region = Crop(frame, x, y, w, h);
        var smoothed = Smooth(region);
        if (Try(Source(smoothed), hybrid: true) is { } smooth)
        {
            return smooth;
        }

        if (Try(Source(region.Scale(0.75)), hybrid: true) is { } threeQuarters)
        {
            return threeQuarters;
        }

        if (TryLocal(Source(smoothed), radius) is { } smoothLocal)
        {
            return smoothLocal;
        }

        // Small codes (a badge number, a few pixels a module): enlarged, smoothed first.
        if (Math.Max(w, h) <= 800)
        {
            var enlarged = smoothed.Scale(1.5);
            if (Try(Source(enlarged), hybrid: true) is { } big)
            {
                return big;
            }

            return TryLocal(Source(enlarged), radius * 3 / 2);
        }

        return null;
    }

    private static LuminanceFrame Smooth(LuminanceFrame f)
    {
        var dst = new byte[f.Pixels.Length];
        for (var y = 0; y < f.Height; y++)
        {
            for (var x = 0; x < f.Width; x++)
            {
                var sum = 0;
                for (var dy = -1; dy <= 1; dy++)
                {
                    var row = Math.Clamp(y + dy, 0, f.Height - 1) * f.Width;
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        sum += f.Pixels[row + Math.Clamp(x + dx, 0, f.Width - 1)];
                    }
                }

                dst[(y * f.Width) + x] = (byte)(sum / 9);
            }
        }

        return new LuminanceFrame(dst, f.Width, f.Height, f.CapturedAt);
    }

    /// <summary>The time a camera frame gets before its later, rarer attempts are skipped.</summary>
    public static TimeSpan FrameBudget { get; } = TimeSpan.FromMilliseconds(20);

    private static LuminanceFrame Crop(LuminanceFrame frame, int x, int y, int w, int h) =>
        x == 0 && y == 0 && w == frame.Width && h == frame.Height ? frame : Crop(frame, new RegionOfInterest(x, y, w, h));

    private static string? TryLocal(LuminanceSource source, int radius)
    {
        return QrGridDetector.Decode(new LocalAverageBinarizer(source, radius).BlackMatrix, Hints);
    }

    private static string? DecodeStill(LuminanceFrame frame, LuminanceSource source, RegionOfInterest? roi)
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

    private static string? Try(LuminanceSource source, bool hybrid)
    {
        Binarizer binarizer = hybrid ? new HybridBinarizer(source) : new GlobalHistogramBinarizer(source);
        return QrGridDetector.Decode(binarizer.BlackMatrix, Hints);
    }
}
