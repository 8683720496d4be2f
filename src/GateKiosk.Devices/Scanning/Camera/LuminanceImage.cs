using SkiaSharp;

namespace GateKiosk.Devices.Scanning.Camera;

/// <summary>Loads PNG, JPEG or BMP files as grey frames (the decode command, and tests that feed the camera path from files).</summary>
public static class LuminanceImage
{
    /// <summary>Loads <paramref name="path"/>; null when it is not an image SkiaSharp can read.</summary>
    public static LuminanceFrame? Load(string path, long capturedAt = 0)
    {
        using var bitmap = SKBitmap.Decode(path);
        return bitmap is null ? null : FromBitmap(bitmap, capturedAt);
    }

    /// <summary>Decodes image bytes; null when they are not an image.</summary>
    public static LuminanceFrame? Decode(ReadOnlySpan<byte> encoded, long capturedAt = 0)
    {
        using var bitmap = SKBitmap.Decode(encoded);
        return bitmap is null ? null : FromBitmap(bitmap, capturedAt);
    }

    /// <summary>Encodes a grey frame as PNG (tests write generated frames to files).</summary>
    public static byte[] EncodePng(LuminanceFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var info = new SKImageInfo(frame.Width, frame.Height, SKColorType.Gray8, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        System.Runtime.InteropServices.Marshal.Copy(frame.Pixels, 0, bitmap.GetPixels(), frame.Pixels.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static LuminanceFrame FromBitmap(SKBitmap source, long capturedAt)
    {
        // Into straight RGBA first: palette, grey, 16-bit and alpha files all come out the same way.
        var info = new SKImageInfo(source.Width, source.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var rgba = new SKBitmap(info);
        if (!source.CopyTo(rgba, SKColorType.Rgba8888))
        {
            using var image = SKImage.FromBitmap(source);
            using var canvas = new SKCanvas(rgba);
            canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest));
        }

        var bytes = rgba.GetPixelSpan();
        var grey = new byte[source.Width * source.Height];
        for (int i = 0, p = 0; i < grey.Length; i++, p += 4)
        {
            // ITU-R BT.601 weights, as ZXing's RGB source uses; transparent pixels count as white paper.
            int r = bytes[p], g = bytes[p + 1], b = bytes[p + 2], a = bytes[p + 3];
            var y = ((r * 306) + (g * 601) + (b * 117)) >> 10;
            grey[i] = (byte)(((y * a) + (255 * (255 - a))) / 255);
        }

        return new LuminanceFrame(grey, source.Width, source.Height, capturedAt);
    }
}
