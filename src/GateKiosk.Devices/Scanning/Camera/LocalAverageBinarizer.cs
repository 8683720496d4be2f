using ZXing;
using ZXing.Common;

namespace GateKiosk.Devices.Scanning.Camera;

/// <summary>
/// A pixel is black when it is darker than the mean of the square window around it (a summed-area table gives each
/// mean in four reads). Unlike ZXing's block-based hybrid threshold, the window moves with the pixel, so a blurred,
/// noisy or unevenly lit code keeps its module edges where the light changes across it; in flat areas (less local
/// spread than <see cref="MinSpread"/>) the pixel follows a coarser neighbourhood, so sensor noise on white paper
/// does not turn into black specks.
/// </summary>
internal sealed class LocalAverageBinarizer : Binarizer
{
    private const int MinSpread = 24;

    private readonly int _radius;
    private BitMatrix? _matrix;

    public LocalAverageBinarizer(LuminanceSource source, int radius)
        : base(source)
    {
        _radius = Math.Max(3, radius);
    }

    public override BitMatrix BlackMatrix => _matrix ??= Build();

    public override BitArray getBlackRow(int y, BitArray row)
    {
        var matrix = BlackMatrix;
        row = row is not null && row.Size >= Width ? row : new BitArray(Width);
        row.clear();
        for (var x = 0; x < Width; x++)
        {
            if (matrix[x, y])
            {
                row[x] = true;
            }
        }

        return row;
    }

    public override Binarizer createBinarizer(LuminanceSource source) => new LocalAverageBinarizer(source, _radius);

    private BitMatrix Build()
    {
        int w = Width, h = Height;
        var luminance = LuminanceSource.Matrix;
        var stride = w + 1;
        var sums = new int[(h + 1) * stride];
        for (var y = 0; y < h; y++)
        {
            var rowSum = 0;
            for (var x = 0; x < w; x++)
            {
                rowSum += luminance[(y * w) + x];
                sums[((y + 1) * stride) + x + 1] = sums[(y * stride) + x + 1] + rowSum;
            }
        }

        // Spread: the range between the darkest and lightest 8×8-block means near each pixel, taken from block minima
        // and maxima over a 5×5 neighbourhood of blocks.
        const int block = 8;
        int bw = (w + block - 1) / block, bh = (h + block - 1) / block;
        var blockMin = new byte[bw * bh];
        var blockMax = new byte[bw * bh];
        for (var by = 0; by < bh; by++)
        {
            for (var bx = 0; bx < bw; bx++)
            {
                int min = 255, max = 0;
                for (var y = by * block; y < Math.Min(h, (by + 1) * block); y++)
                {
                    for (var x = bx * block; x < Math.Min(w, (bx + 1) * block); x++)
                    {
                        var p = luminance[(y * w) + x];
                        min = Math.Min(min, p);
                        max = Math.Max(max, p);
                    }
                }

                blockMin[(by * bw) + bx] = (byte)min;
                blockMax[(by * bw) + bx] = (byte)max;
            }
        }

        var spread = new byte[bw * bh];
        for (var by = 0; by < bh; by++)
        {
            for (var bx = 0; bx < bw; bx++)
            {
                int min = 255, max = 0;
                for (var dy = -2; dy <= 2; dy++)
                {
                    for (var dx = -2; dx <= 2; dx++)
                    {
                        int nx = Math.Clamp(bx + dx, 0, bw - 1), ny = Math.Clamp(by + dy, 0, bh - 1);
                        min = Math.Min(min, blockMin[(ny * bw) + nx]);
                        max = Math.Max(max, blockMax[(ny * bw) + nx]);
                    }
                }

                spread[(by * bw) + bx] = (byte)Math.Min(255, max - min);
            }
        }

        var matrix = new BitMatrix(w, h);
        var r = _radius;
        var wide = r * 3;
        for (var y = 0; y < h; y++)
        {
            int y0 = Math.Max(0, y - r), y1 = Math.Min(h, y + r + 1);
            int wy0 = Math.Max(0, y - wide), wy1 = Math.Min(h, y + wide + 1);
            for (var x = 0; x < w; x++)
            {
                int x0 = Math.Max(0, x - r), x1 = Math.Min(w, x + r + 1);
                var flat = spread[((y / block) * bw) + (x / block)] < MinSpread;
                if (flat)
                {
                    int wx0 = Math.Max(0, x - wide), wx1 = Math.Min(w, x + wide + 1);
                    var wideSum = sums[(wy1 * stride) + wx1] - sums[(wy0 * stride) + wx1] - sums[(wy1 * stride) + wx0] + sums[(wy0 * stride) + wx0];
                    var wideArea = (wy1 - wy0) * (wx1 - wx0);
                    if (luminance[(y * w) + x] * wideArea < wideSum - (wideArea * MinSpread / 2))
                    {
                        matrix[x, y] = true;
                    }

                    continue;
                }

                var sum = sums[(y1 * stride) + x1] - sums[(y0 * stride) + x1] - sums[(y1 * stride) + x0] + sums[(y0 * stride) + x0];
                var area = (y1 - y0) * (x1 - x0);
                if (luminance[(y * w) + x] * area < sum)
                {
                    matrix[x, y] = true;
                }
            }
        }

        return matrix;
    }
}
