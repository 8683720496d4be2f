using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using GateKiosk.Core.Credentials.Signed;
using StbImageSharp;
using ZXing;
using ZXing.Common;

namespace GateKiosk.Core.Tests.Credentials;

/// <summary>Helpers for comparing corpus files with what the verifier core reads.</summary>
internal static partial class CorpusValues
{
    /// <summary>The corpus clock formats: Z, ±hh:mm, ±hhmm, no zone (UTC), 3–9 fraction digits.</summary>
    public static DateTimeOffset ParseClock(string text)
    {
        var m = ClockPattern().Match(text.Trim());
        var fraction = m.Groups["f"].Success ? m.Groups["f"].Value[..Math.Min(8, m.Groups["f"].Value.Length)] : "";
        var zone = m.Groups["z"].Value switch
        {
            "" or "Z" => "+00:00",
            var z when z.Length == 5 => z[..3] + ":" + z[3..],
            var z => z,
        };
        return DateTimeOffset.Parse(m.Groups["t"].Value + fraction + zone, CultureInfo.InvariantCulture);
    }

    /// <summary>Decodes a PNG QR image to its text, or null when nothing is found.</summary>
    public static string? DecodeQr(byte[] png)
    {
        try
        {
            var image = ImageResult.FromMemory(png, ColorComponents.RedGreenBlueAlpha);
            var source = new RGBLuminanceSource(image.Data, image.Width, image.Height, RGBLuminanceSource.BitmapFormat.RGBA32);
            var reader = new MultiFormatReader();
            var hints = new Dictionary<DecodeHintType, object>
            {
                [DecodeHintType.POSSIBLE_FORMATS] = new List<BarcodeFormat> { BarcodeFormat.QR_CODE },
                [DecodeHintType.TRY_HARDER] = true,
                [DecodeHintType.CHARACTER_SET] = "ISO-8859-1",
            };
            var result = reader.decode(new BinaryBitmap(new HybridBinarizer(source)), hints)
                ?? reader.decode(new BinaryBitmap(new GlobalHistogramBinarizer(source)), hints);
            if (result is null)
            {
                hints[DecodeHintType.PURE_BARCODE] = true;
                result = reader.decode(new BinaryBitmap(new HybridBinarizer(source)), hints);
            }

            return result?.Text;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or ReaderException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Semantic equality of two CBOR trees (map order ignored, integers and floats compared by value).</summary>
    public static bool SameCbor(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (CborMap x, CborMap y) => x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out var v) && SameCbor(kv.Value, v)),
        (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => SameCbor(p.First, p.Second)),
        (byte[] x, byte[] y) => x.AsSpan().SequenceEqual(y),
        (long or double or ulong, long or double or ulong) => Convert.ToDouble(a, CultureInfo.InvariantCulture) == Convert.ToDouble(b, CultureInfo.InvariantCulture),
        _ => Equals(a, b),
    };

    /// <summary>A JSON value as the CBOR tree the verifier reads (integers as long, other numbers as double).</summary>
    public static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => ToMap(e),
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? (object)l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static CborMap ToMap(JsonElement e)
    {
        var map = new CborMap();
        foreach (var p in e.EnumerateObject())
        {
            map[p.Name] = FromJson(p.Value);
        }

        return map;
    }

    [GeneratedRegex(@"^(?<t>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?<f>\.\d+)?(?<z>Z|[+-]\d\d:?\d\d)?$")]
    private static partial Regex ClockPattern();
}
