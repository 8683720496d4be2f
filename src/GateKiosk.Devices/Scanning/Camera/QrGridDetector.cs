using ZXing;
using ZXing.Common;
using ZXing.QrCode.Internal;

namespace GateKiosk.Devices.Scanning.Camera;

/// <summary>
/// ZXing's QR detector, with more grids tried from the same three finder patterns. ZXing works out the code's size
/// (modules a side) from the finder patterns' distance over their module size; a tilted or blurred code gets that
/// module size wrong by a few percent, a large code is then read one version too big or too small, and the decoder
/// rejects it. Here the neighbouring sizes (one version up and down) are sampled too, with and without the alignment
/// pattern, and the first grid whose error correction holds wins. A wrong grid does not pass the Reed-Solomon check.
/// </summary>
internal sealed class QrGridDetector : Detector
{
    private FinderPatternInfo? _info;

    public QrGridDetector(BitMatrix image)
        : base(image)
    {
    }

    /// <summary>The text of the code in the image, or null.</summary>
    public static string? Decode(BitMatrix? image, IDictionary<DecodeHintType, object> hints)
    {
        if (image is null)
        {
            return null;
        }

        var detector = new QrGridDetector(image);
        DetectorResult? first;
        try
        {
            first = detector.detect(hints);
        }
        catch (ReaderException)
        {
            return null;
        }

        if (detector._info is not { } info)
        {
            return null;
        }

        var decoder = new Decoder();
        if (first?.Bits is { } bits && Read(decoder, bits, hints) is { } text)
        {
            return text;
        }

        foreach (var grid in detector.OtherGrids(info, first))
        {
            if (Read(decoder, grid, hints) is { } other)
            {
                return other;
            }
        }

        return null;
    }

    protected override DetectorResult processFinderPatternInfo(FinderPatternInfo info)
    {
        _info = info;
        return base.processFinderPatternInfo(info);
    }

    private static string? Read(Decoder decoder, BitMatrix bits, IDictionary<DecodeHintType, object> hints)
    {
        try
        {
            return decoder.decode(bits, hints)?.Text;
        }
        catch (ReaderException)
        {
            return null;
        }
    }

    private IEnumerable<BitMatrix> OtherGrids(FinderPatternInfo info, DetectorResult? first)
    {
        ResultPoint topLeft = info.TopLeft, topRight = info.TopRight, bottomLeft = info.BottomLeft;
        var moduleSize = calculateModuleSize(topLeft, topRight, bottomLeft);
        if (moduleSize < 1)
        {
            yield break;
        }

        // The size ZXing picked (a multiple of 4, plus 1), as it rounds it.
        var across = (int)((ResultPoint.distance(topLeft, topRight) / moduleSize) + 0.5f);
        var down = (int)((ResultPoint.distance(topLeft, bottomLeft) / moduleSize) + 0.5f);
        var estimate = ((across + down) >> 1) + 7;
        var picked = (estimate & 3) switch { 0 => estimate + 1, 2 => estimate - 1, 3 => estimate - 2, _ => estimate };
        var alignment = first?.Points is { Length: 4 } points ? points[3] : null;
        foreach (var dimension in new[] { picked, picked - 4, picked + 4 })
        {
            if (dimension < 21 || dimension > 177)
            {
                continue;
            }

            foreach (var bottomRight in new[] { alignment, null })
            {
                // ZXing's own grid was the first one tried.
                if (dimension == picked && (bottomRight == alignment || first is null))
                {
                    continue;
                }

                if (Sample(topLeft, topRight, bottomLeft, bottomRight, dimension) is { } bits)
                {
                    yield return bits;
                }
            }
        }

        // A small code has no alignment pattern (version 1) or one too small to find, and the parallelogram's fourth
        // corner is where a flat code would have it: on a tilted badge the far corner lies up to a module or two off,
        // and the modules beside it are sampled from their neighbours. Corners around it are tried in steps of 3/4 of
        // a module, nearest first; the Reed-Solomon check rejects the wrong ones.
        if (picked > MaxShiftedDimension)
        {
            yield break;
        }

        foreach (var (shiftAcross, shiftDown) in CornerShifts)
        {
            if (Sample(topLeft, topRight, bottomLeft, alignment, picked, shiftAcross * moduleSize, shiftDown * moduleSize) is { } bits)
            {
                yield return bits;
            }
        }
    }

    /// <summary>The largest code (version 4) whose fourth corner is searched when no alignment pattern was found.</summary>
    private const int MaxShiftedDimension = 57;

    private static readonly (float Across, float Down)[] CornerShifts =
        [.. (from a in new[] { 0f, -0.75f, 0.75f, -1.5f, 1.5f }
             from d in new[] { 0f, -0.75f, 0.75f, -1.5f, 1.5f }
             where a != 0 || d != 0
             orderby Math.Abs(a) + Math.Abs(d)
             select (a, d))];

    private BitMatrix? Sample(ResultPoint topLeft, ResultPoint topRight, ResultPoint bottomLeft, ResultPoint? alignment, int dimension, float shiftAcross = 0, float shiftDown = 0)
    {
        var far = dimension - 3.5f;
        float x, y, source;
        if (alignment is null)
        {
            // No alignment pattern: the fourth corner of the parallelogram through the three finder patterns.
            x = topRight.X - topLeft.X + bottomLeft.X;
            y = topRight.Y - topLeft.Y + bottomLeft.Y;
            source = far;
            if (shiftAcross != 0 || shiftDown != 0)
            {
                // Shifts in pixels along the code's top edge and down its left edge.
                var across = ResultPoint.distance(topLeft, topRight);
                var down = ResultPoint.distance(topLeft, bottomLeft);
                x += (shiftAcross * (topRight.X - topLeft.X) / across) + (shiftDown * (bottomLeft.X - topLeft.X) / down);
                y += (shiftAcross * (topRight.Y - topLeft.Y) / across) + (shiftDown * (bottomLeft.Y - topLeft.Y) / down);
            }
        }
        else
        {
            x = alignment.X;
            y = alignment.Y;
            source = far - 3;
            if (shiftAcross != 0 || shiftDown != 0)
            {
                var across = ResultPoint.distance(topLeft, topRight);
                var down = ResultPoint.distance(topLeft, bottomLeft);
                x += (shiftAcross * (topRight.X - topLeft.X) / across) + (shiftDown * (bottomLeft.X - topLeft.X) / down);
                y += (shiftAcross * (topRight.Y - topLeft.Y) / across) + (shiftDown * (bottomLeft.Y - topLeft.Y) / down);
            }
        }

        var transform = PerspectiveTransform.quadrilateralToQuadrilateral(
            3.5f, 3.5f, far, 3.5f, source, source, 3.5f, far,
            topLeft.X, topLeft.Y, topRight.X, topRight.Y, x, y, bottomLeft.X, bottomLeft.Y);
        try
        {
            return GridSampler.Instance.sampleGrid(Image, dimension, dimension, transform);
        }
        catch (ReaderException)
        {
            return null;
        }
    }
}
