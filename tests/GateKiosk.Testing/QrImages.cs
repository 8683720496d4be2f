using GateKiosk.Devices.Scanning.Camera;
using ZXing;
using ZXing.QrCode;
using ZXing.QrCode.Internal;

namespace GateKiosk.Testing;

/// <summary>Grey camera-like frames with a QR code drawn by ZXing.Net's writer.</summary>
public static class QrImages
{
    static QrImages()
    {
        // ZXing.Net looks Shift_JIS up once, when its string helpers first load: the writer must not load them
        // before the code pages are there, or every later decode in the process misreads Japanese text.
        System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
    }

    /// <summary>
    /// A <paramref name="width"/> × <paramref name="height"/> frame of mid-grey "scene" with the code for
    /// <paramref name="text"/> at (<paramref name="left"/>, <paramref name="top"/>), <paramref name="module"/> pixels a module,
    /// black on white paper with a 4-module quiet zone.
    /// </summary>
    public static LuminanceFrame Render(string text, int width = 640, int height = 480, int left = 200, int top = 120, int module = 4, int seed = 1)
    {
        var matrix = new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0, new Dictionary<EncodeHintType, object>
        {
            [EncodeHintType.MARGIN] = 4,
            [EncodeHintType.ERROR_CORRECTION] = ErrorCorrectionLevel.M,
            [EncodeHintType.CHARACTER_SET] = "UTF-8",
        });
        var random = new Random(seed);
        var pixels = new byte[width * height];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(110 + random.Next(40)); // a noisy background, as a camera sees a wall
        }

        for (var my = 0; my < matrix.Height; my++)
        {
            for (var mx = 0; mx < matrix.Width; mx++)
            {
                var value = (byte)(matrix[mx, my] ? 30 + random.Next(20) : 215 + random.Next(25));
                for (var dy = 0; dy < module; dy++)
                {
                    var y = top + (my * module) + dy;
                    for (var dx = 0; dx < module; dx++)
                    {
                        var x = left + (mx * module) + dx;
                        if (x >= 0 && y >= 0 && x < width && y < height)
                        {
                            pixels[(y * width) + x] = value;
                        }
                    }
                }
            }
        }

        return new LuminanceFrame(pixels, width, height, 0);
    }

    /// <summary>A frame with no code in it.</summary>
    public static LuminanceFrame Empty(int width = 640, int height = 480, int seed = 2)
    {
        var random = new Random(seed);
        var pixels = new byte[width * height];
        random.NextBytes(pixels);
        return new LuminanceFrame(pixels, width, height, 0);
    }
}
