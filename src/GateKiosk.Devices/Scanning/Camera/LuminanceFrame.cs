namespace GateKiosk.Devices.Scanning.Camera;

/// <summary>
/// One grey frame: <paramref name="Pixels"/> holds <paramref name="Width"/> × <paramref name="Height"/> bytes, row
/// after row (the Y plane of a YUV frame as the camera delivers it, or an image file turned grey).
/// </summary>
/// <param name="CapturedAt"><see cref="TimeProvider.GetTimestamp"/> when the frame arrived.</param>
public sealed record LuminanceFrame(byte[] Pixels, int Width, int Height, long CapturedAt)
{
    /// <summary>The frame turned 90° clockwise <paramref name="quarterTurns"/> times (0–3).</summary>
    public LuminanceFrame Rotate(int quarterTurns)
    {
        quarterTurns = ((quarterTurns % 4) + 4) % 4;
        if (quarterTurns == 0)
        {
            return this;
        }

        var (w, h) = quarterTurns == 2 ? (Width, Height) : (Height, Width);
        var dst = new byte[Pixels.Length];
        for (var y = 0; y < Height; y++)
        {
            var row = y * Width;
            for (var x = 0; x < Width; x++)
            {
                var (nx, ny) = quarterTurns switch
                {
                    1 => (Height - 1 - y, x),
                    2 => (Width - 1 - x, Height - 1 - y),
                    _ => (y, Width - 1 - x),
                };
                dst[(ny * w) + nx] = Pixels[row + x];
            }
        }

        return new LuminanceFrame(dst, w, h, CapturedAt);
    }

    /// <summary>The frame scaled by <paramref name="factor"/> (bilinear; area average when shrinking by a whole number).</summary>
    public LuminanceFrame Scale(double factor)
    {
        var w = Math.Max(1, (int)Math.Round(Width * factor));
        var h = Math.Max(1, (int)Math.Round(Height * factor));
        var dst = new byte[w * h];
        var step = 1 / factor;
        if (factor < 1 && Math.Abs(step - Math.Round(step)) < 1e-9)
        {
            var n = (int)Math.Round(step);
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    var sum = 0;
                    for (var dy = 0; dy < n; dy++)
                    {
                        var row = Math.Min((y * n) + dy, Height - 1) * Width;
                        for (var dx = 0; dx < n; dx++)
                        {
                            sum += Pixels[row + Math.Min((x * n) + dx, Width - 1)];
                        }
                    }

                    dst[(y * w) + x] = (byte)(sum / (n * n));
                }
            }

            return new LuminanceFrame(dst, w, h, CapturedAt);
        }

        for (var y = 0; y < h; y++)
        {
            var sy = Math.Clamp(((y + 0.5) * step) - 0.5, 0, Height - 1);
            var y0 = (int)sy;
            var y1 = Math.Min(y0 + 1, Height - 1);
            var fy = sy - y0;
            for (var x = 0; x < w; x++)
            {
                var sx = Math.Clamp(((x + 0.5) * step) - 0.5, 0, Width - 1);
                var x0 = (int)sx;
                var x1 = Math.Min(x0 + 1, Width - 1);
                var fx = sx - x0;
                var top = (Pixels[(y0 * Width) + x0] * (1 - fx)) + (Pixels[(y0 * Width) + x1] * fx);
                var bottom = (Pixels[(y1 * Width) + x0] * (1 - fx)) + (Pixels[(y1 * Width) + x1] * fx);
                dst[(y * w) + x] = (byte)Math.Round((top * (1 - fy)) + (bottom * fy));
            }
        }

        return new LuminanceFrame(dst, w, h, CapturedAt);
    }
}
