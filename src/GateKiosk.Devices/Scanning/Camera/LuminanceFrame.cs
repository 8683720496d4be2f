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

        // Bilinear in 8-bit fixed point; the column weights are the same on every row, so they are worked out once.
        var x0s = new int[w];
        var x1s = new int[w];
        var fxs = new int[w];
        for (var x = 0; x < w; x++)
        {
            var sx = Math.Clamp(((x + 0.5) * step) - 0.5, 0, Width - 1);
            x0s[x] = (int)sx;
            x1s[x] = Math.Min(x0s[x] + 1, Width - 1);
            fxs[x] = (int)((sx - x0s[x]) * 256);
        }

        var src = Pixels.AsSpan();
        for (var y = 0; y < h; y++)
        {
            var sy = Math.Clamp(((y + 0.5) * step) - 0.5, 0, Height - 1);
            var y0 = (int)sy;
            var fy = (int)((sy - y0) * 256);
            var row0 = src.Slice(y0 * Width, Width);
            var row1 = src.Slice(Math.Min(y0 + 1, Height - 1) * Width, Width);
            var outRow = dst.AsSpan(y * w, w);
            for (var x = 0; x < w; x++)
            {
                int a = x0s[x], b = x1s[x], fx = fxs[x];
                var top = (row0[a] * (256 - fx)) + (row0[b] * fx);
                var bottom = (row1[a] * (256 - fx)) + (row1[b] * fx);
                outRow[x] = (byte)(((top * (256 - fy)) + (bottom * fy) + 32768) >> 16);
            }
        }

        return new LuminanceFrame(dst, w, h, CapturedAt);
    }
}
