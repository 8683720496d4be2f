using System.Globalization;
using System.Text;
using SkiaSharp;
using ZXing;
using ZXing.QrCode.Internal;

namespace GateKiosk.Benchmarks.Decoding;

/// <summary>How much a scene asks of a decoder.</summary>
internal enum SceneGrade
{
    Easy,
    Moderate,
    Hard,
}

/// <summary>One generated gate scene: a 640×480 grey JPEG and the exact text of the code in it.</summary>
internal sealed record GateScene(string Name, SceneGrade Grade, string Kind, string Carrier, int Version, string Text, byte[] Jpeg);

/// <summary>
/// Renders QR codes of the payloads a gate meets as a gate camera sees them: a phone screen (backlight, moiré, glare)
/// or a printed or laminated badge held by a hand (angle, tilt, fingers), then lens and motion blur, sensor noise,
/// low or uneven light, the camera's contrast and sharpening, and JPEG loss, each at the strength of the scene's
/// grade. Deterministic: the same seed and index give the same bytes. People in the payloads are made up.
/// </summary>
internal static class GateSceneGenerator
{
    public const int Width = 640;
    public const int Height = 480;

    private const string Base45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

    private static readonly string[] FamilyNames = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"];
    private static readonly string[] MiddleNames = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thuỳ", "Xuân"];
    private static readonly string[] GivenNames = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Phương", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Tuấn", "Uyên", "Việt", "Yến"];
    private static readonly string[] Streets = ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Điện Biên Phủ", "Lý Thường Kiệt", "Phạm Ngũ Lão", "Võ Thị Sáu"];
    private static readonly string[] Wards = ["Phường Bến Nghé", "Phường Đa Kao", "Xã Tân Thạnh Đông", "Phường Hàng Bạc", "Phường Thạch Thang", "Xã Phước Kiển"];
    private static readonly string[] Cities = ["Quận 1, TP. Hồ Chí Minh", "Quận Hoàn Kiếm, Hà Nội", "Quận Hải Châu, Đà Nẵng", "Huyện Củ Chi, TP. Hồ Chí Minh", "Huyện Nhà Bè, TP. Hồ Chí Minh", "TP. Huế, Thừa Thiên Huế"];

    /// <summary>The <paramref name="count"/> scenes of the set <paramref name="seed"/>: 60% easy, 30% moderate, 10% hard.</summary>
    public static IEnumerable<GateScene> Generate(int seed, int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return Scene(seed, i);
        }
    }

    /// <summary>Scene <paramref name="index"/> of set <paramref name="seed"/>; sets of different seeds share no scene.</summary>
    public static GateScene Scene(int seed, int index)
    {
        var random = new Random(unchecked((seed * 1_000_003) + index));
        var slot = index % 10;
        var grade = slot < 6 ? SceneGrade.Easy : slot < 9 ? SceneGrade.Moderate : SceneGrade.Hard;
        var (kind, text, level, eci) = Payload(random);
        var hints = new Dictionary<EncodeHintType, object> { [EncodeHintType.CHARACTER_SET] = "UTF-8" };
        if (!eci)
        {
            hints[EncodeHintType.DISABLE_ECI] = true;
        }

        var code = ZXing.QrCode.Internal.Encoder.encode(text, level, hints);
        var phone = random.NextDouble() < 0.45;
        var pixels = Render(random, grade, code.Matrix, phone);
        var name = string.Create(CultureInfo.InvariantCulture, $"s{seed}-{index:D4}-{grade.ToString().ToLowerInvariant()}-{kind}");
        return new GateScene(name, grade, kind, phone ? "phone" : "badge", code.Version.VersionNumber, text, pixels);
    }

    /// <summary>Writes each scene as NAME.jpg with its exact text in NAME.txt (UTF-8), and an index scenes.tsv.</summary>
    public static List<(string Image, GateScene Scene)> Write(IEnumerable<GateScene> scenes, string folder)
    {
        Directory.CreateDirectory(folder);
        var written = new List<(string, GateScene)>();
        var index = new StringBuilder("name\tgrade\tkind\tcarrier\tversion\n");
        foreach (var scene in scenes)
        {
            var image = Path.Combine(folder, scene.Name + ".jpg");
            File.WriteAllBytes(image, scene.Jpeg);
            File.WriteAllText(Path.Combine(folder, scene.Name + ".txt"), scene.Text, new UTF8Encoding(false));
            index.Append(CultureInfo.InvariantCulture, $"{scene.Name}\t{scene.Grade}\t{scene.Kind}\t{scene.Carrier}\t{scene.Version}\n");
            written.Add((image, scene));
        }

        File.WriteAllText(Path.Combine(folder, "scenes.tsv"), index.ToString(), new UTF8Encoding(false));
        return written;
    }

    private static (string Kind, string Text, ErrorCorrectionLevel Level, bool Eci) Payload(Random r)
    {
        var pick = r.NextDouble();
        if (pick < 0.40)
        {
            var (prefix, min, max) = r.Next(3) switch
            {
                0 => ("GKS1:", 180, 300),
                1 => ("GKV1:", 220, 360),
                _ => ("GKH1:", 150, 260),
            };
            return (prefix[..4].ToLowerInvariant(), prefix + Chars(r, Base45, r.Next(min, max)), ErrorCorrectionLevel.M, false);
        }

        if (pick < 0.60)
        {
            // EU DCC: Base45 behind HC1:, error correction Q, QR version 10-25.
            return ("hc1", "HC1:" + Chars(r, Base45, r.Next(240, 1000)), ErrorCorrectionLevel.Q, false);
        }

        if (pick < 0.80)
        {
            var name = $"{FamilyNames[r.Next(FamilyNames.Length)]} {MiddleNames[r.Next(MiddleNames.Length)]} {GivenNames[r.Next(GivenNames.Length)]}";
            var id = Chars(r, "0123456789", 12);
            var birth = $"{r.Next(1, 29):D2}{r.Next(1, 13):D2}{r.Next(1950, 2008)}";
            string text;
            if (r.NextDouble() < 0.7)
            {
                // Chip ID card: 12-digit ID|old ID|name|birth|sex|address|issue date.
                var address = $"Số {r.Next(1, 300)}, Đường {Streets[r.Next(Streets.Length)]}, {Wards[r.Next(Wards.Length)]}, {Cities[r.Next(Cities.Length)]}";
                text = $"{id}|{Chars(r, "0123456789", 9)}|{name}|{birth}|{(r.Next(2) == 0 ? "Nam" : "Nữ")}|{address}|{r.Next(1, 29):D2}{r.Next(1, 13):D2}{r.Next(2021, 2025)}";
            }
            else
            {
                // The COVID app's personal code: ID|name|birth|identity type|QID|extra.
                text = $"{id}|{name}|{birth[..2]}/{birth[2..4]}/{birth[4..]}|CCCD|{Chars(r, "0123456789ABCDEF", 16)}|";
            }

            return ("vnid", text, ErrorCorrectionLevel.M, r.Next(2) == 0);
        }

        var badge = r.Next(3) switch
        {
            0 => "B-" + Chars(r, "0123456789", 6),
            1 => Chars(r, "0123456789", 10),
            _ => "EMP" + Chars(r, "0123456789", 5),
        };
        return ("badge", badge, r.Next(2) == 0 ? ErrorCorrectionLevel.M : ErrorCorrectionLevel.H, false);
    }

    private static string Chars(Random r, string alphabet, int length) =>
        new(Enumerable.Range(0, length).Select(_ => alphabet[r.Next(alphabet.Length)]).ToArray());

    private static double Between(Random r, double min, double max) => min + (r.NextDouble() * (max - min));

    private static double Graded(Random r, SceneGrade grade, (double Min, double Max) easy, (double Min, double Max) moderate, (double Min, double Max) hard)
    {
        var (min, max) = grade switch { SceneGrade.Easy => easy, SceneGrade.Moderate => moderate, _ => hard };
        return Between(r, min, max);
    }

    private static byte[] Render(Random r, SceneGrade grade, ByteMatrix matrix, bool phone)
    {
        var n = matrix.Width;
        var quiet = phone ? Between(r, 3, 4.5) : 4;
        var image = new float[Width * Height];
        var screenMask = new bool[Width * Height];
        Background(r, image);

        // The carrier in its own plane, in module units: the code spans [0, n)², then the quiet zone, then the card
        // or screen margin; a phone has a bezel and a body around the screen.
        var marginSide = Between(r, 1.5, 5);
        var marginTop = Between(r, 2, 8);
        var marginBottom = Between(r, 3, 12);
        var carrier = (L: -quiet - marginSide, T: -quiet - marginTop, R: n + quiet + marginSide, B: n + quiet + marginBottom);
        var bezel = phone ? Between(r, 1.5, 4) : 0;
        var outer = (L: carrier.L - bezel, T: carrier.T - (bezel * 2.5), R: carrier.R + bezel, B: carrier.B + (bezel * 3));
        var paper = phone ? Between(r, 0.82, 1.0) : Between(r, 0.78, 0.95);
        var ink = phone ? Between(r, 0.02, 0.14) : Between(r, 0.04, 0.16);
        var bodyTone = Between(r, 0.05, 0.35);
        var printed = Printing(r, carrier, n, quiet);

        // Size and pose: module size in pixels, rotation anywhere, tilt about a random axis.
        var maxModule = 440.0 / (outer.B - outer.T + 2);
        var module = Math.Min(maxModule, Graded(r, grade, (3.2, 6.0), (2.6, 4.5), (2.0, 3.4)));
        var tiltDeg = Graded(r, grade, (0, 15), (10, 30), (25, 45));
        var angle = Between(r, 0, 2 * Math.PI);
        var cx = (Width / 2.0) + Between(r, -60, 60);
        var cy = (Height / 2.0) + Between(r, -40, 40);
        var h = Homography(r, outer, n, module, angle, tiltDeg, cx, cy);
        var inverse = Invert(h);

        var fingers = Fingers(r, grade, outer, carrier, n, quiet, phone);
        var samples = new[] { (0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75) };
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                double sum = 0;
                var onScreen = 0;
                var hits = 0;
                foreach (var (sx, sy) in samples)
                {
                    var (u, v) = Apply(inverse, x + sx, y + sy);
                    var value = -1.0;
                    foreach (var f in fingers)
                    {
                        var du = u - f.U;
                        var dv = v - f.V;
                        var a = (du * f.Cos) + (dv * f.Sin);
                        var b = (-du * f.Sin) + (dv * f.Cos);
                        var d = ((a * a) / (f.A * f.A)) + ((b * b) / (f.B * f.B));
                        if (d < 1)
                        {
                            value = f.Tone * (1 - (0.35 * d * d));
                            break;
                        }
                    }

                    if (value < 0 && u >= outer.L && u < outer.R && v >= outer.T && v < outer.B)
                    {
                        hits++;
                        if (u >= carrier.L && u < carrier.R && v >= carrier.T && v < carrier.B)
                        {
                            onScreen += phone ? 1 : 0;
                            var mu = (int)Math.Floor(u);
                            var mv = (int)Math.Floor(v);
                            value = mu >= 0 && mv >= 0 && mu < n && mv < n
                                ? (matrix[mu, mv] == 1 ? ink : paper)
                                : printed.Any(p => u >= p.L && u < p.R && v >= p.T && v < p.B) ? ink + ((paper - ink) * 0.25) : paper;
                        }
                        else
                        {
                            value = phone ? 0.04 : bodyTone;
                        }
                    }

                    sum += value < 0 ? image[(y * Width) + x] : value;
                }

                image[(y * Width) + x] = (float)(sum / 4);
                screenMask[(y * Width) + x] = onScreen >= 2 || (!phone && hits >= 2);
            }
        }

        Light(r, grade, image, screenMask, phone);
        if (phone)
        {
            Moire(r, grade, image, screenMask);
        }

        Glare(r, grade, image, screenMask, h, n, phone);
        var sigma = Graded(r, grade, (0.2, 0.7), (0.5, 1.1), (1.0, 1.8)) * Math.Min(1.3, module / 3.0);
        GaussianBlur(image, sigma);
        MotionBlur(image, Graded(r, grade, (0, 1.2), (0.8, 2.5), (2.5, 5.5)), Between(r, 0, Math.PI));
        Noise(r, grade, image);
        Camera(r, grade, image);
        return Jpeg(image, (int)Math.Round(Graded(r, grade, (75, 95), (60, 85), (35, 65))));
    }

    private static void Background(Random r, float[] image)
    {
        var baseTone = Between(r, 0.2, 0.7);
        var gx = Between(r, -0.3, 0.3) / Width;
        var gy = Between(r, -0.3, 0.3) / Height;
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                image[(y * Width) + x] = (float)Math.Clamp(baseTone + (gx * x) + (gy * y), 0.02, 0.98);
            }
        }

        // Clutter: the wall, a door frame, posters.
        for (var k = r.Next(2, 7); k > 0; k--)
        {
            var x0 = r.Next(Width);
            var y0 = r.Next(Height);
            var w = r.Next(20, 260);
            var hh = r.Next(20, 220);
            var tone = (float)Between(r, 0.05, 0.95);
            for (var y = y0; y < Math.Min(Height, y0 + hh); y++)
            {
                for (var x = x0; x < Math.Min(Width, x0 + w); x++)
                {
                    image[(y * Width) + x] = tone;
                }
            }
        }
    }

    private static List<(double L, double T, double R, double B)> Printing(Random r, (double L, double T, double R, double B) carrier, int n, double quiet)
    {
        // Lines of printed text on the card or app screen above and below the code, clear of its quiet zone.
        var lines = new List<(double, double, double, double)>();
        var top = -quiet - 0.5;
        for (var v = carrier.T + 1; v < top - 1; v += 2.5)
        {
            lines.Add((carrier.L + 1, v, carrier.L + 1 + Between(r, 5, carrier.R - carrier.L - 2), v + 1.2));
        }

        for (var v = n + quiet + 0.8; v < carrier.B - 1.5; v += 2.8)
        {
            lines.Add((carrier.L + 1, v, carrier.L + 1 + Between(r, 5, carrier.R - carrier.L - 2), v + 1.4));
        }

        return lines;
    }

    private static double[] Homography(Random r, (double L, double T, double R, double B) outer, int n, double module, double angle, double tiltDeg, double cx, double cy)
    {
        // The carrier's corners placed flat (scaled, turned about the code's centre), then foreshortened: the edge
        // away from the camera shrinks toward the tilt axis, as a card tilted by tiltDeg looks from a short distance.
        var centre = n / 2.0;
        var corners = new[] { (outer.L, outer.T), (outer.R, outer.T), (outer.R, outer.B), (outer.L, outer.B) };
        var axis = Between(r, 0, 2 * Math.PI);
        var (ax, ay) = (Math.Cos(axis), Math.Sin(axis));
        var tilt = tiltDeg * Math.PI / 180;
        var halfExtent = (outer.R - outer.L) * module / 2;
        var distance = halfExtent * Between(r, 2.5, 5);
        var dst = new (double X, double Y)[4];
        for (var i = 0; i < 4; i++)
        {
            var (u, v) = corners[i];
            var px = (u - centre) * module;
            var py = (v - centre) * module;
            var rx = (px * Math.Cos(angle)) - (py * Math.Sin(angle));
            var ry = (px * Math.Sin(angle)) + (py * Math.Cos(angle));

            // Component along the tilt direction rotates out of the image plane.
            var along = (rx * ax) + (ry * ay);
            var across = (-rx * ay) + (ry * ax);
            var depth = along * Math.Sin(tilt);
            var scale = distance / (distance + depth);
            var along2 = along * Math.Cos(tilt) * scale;
            var across2 = across * scale;
            dst[i] = (cx + (along2 * ax) - (across2 * ay), cy + (along2 * ay) + (across2 * ax));
        }

        return SolveHomography(corners, dst);
    }

    private static double[] SolveHomography((double X, double Y)[] src, (double X, double Y)[] dst)
    {
        var a = new double[8, 9];
        for (var i = 0; i < 4; i++)
        {
            var (x, y) = src[i];
            var (u, v) = dst[i];
            double[] row1 = [x, y, 1, 0, 0, 0, -u * x, -u * y, u];
            double[] row2 = [0, 0, 0, x, y, 1, -v * x, -v * y, v];
            for (var j = 0; j < 9; j++)
            {
                a[2 * i, j] = row1[j];
                a[(2 * i) + 1, j] = row2[j];
            }
        }

        for (var col = 0; col < 8; col++)
        {
            var pivot = col;
            for (var row = col + 1; row < 8; row++)
            {
                if (Math.Abs(a[row, col]) > Math.Abs(a[pivot, col]))
                {
                    pivot = row;
                }
            }

            for (var j = 0; j < 9; j++)
            {
                (a[col, j], a[pivot, j]) = (a[pivot, j], a[col, j]);
            }

            for (var row = 0; row < 8; row++)
            {
                if (row != col)
                {
                    var f = a[row, col] / a[col, col];
                    for (var j = col; j < 9; j++)
                    {
                        a[row, j] -= f * a[col, j];
                    }
                }
            }
        }

        var hm = new double[9];
        for (var i = 0; i < 8; i++)
        {
            hm[i] = a[i, 8] / a[i, i];
        }

        hm[8] = 1;
        return hm;
    }

    private static double[] Invert(double[] m)
    {
        var det = (m[0] * ((m[4] * m[8]) - (m[5] * m[7]))) - (m[1] * ((m[3] * m[8]) - (m[5] * m[6]))) + (m[2] * ((m[3] * m[7]) - (m[4] * m[6])));
        return
        [
            ((m[4] * m[8]) - (m[5] * m[7])) / det, ((m[2] * m[7]) - (m[1] * m[8])) / det, ((m[1] * m[5]) - (m[2] * m[4])) / det,
            ((m[5] * m[6]) - (m[3] * m[8])) / det, ((m[0] * m[8]) - (m[2] * m[6])) / det, ((m[2] * m[3]) - (m[0] * m[5])) / det,
            ((m[3] * m[7]) - (m[4] * m[6])) / det, ((m[1] * m[6]) - (m[0] * m[7])) / det, ((m[0] * m[4]) - (m[1] * m[3])) / det,
        ];
    }

    private static (double X, double Y) Apply(double[] m, double x, double y)
    {
        var w = (m[6] * x) + (m[7] * y) + m[8];
        return (((m[0] * x) + (m[1] * y) + m[2]) / w, ((m[3] * x) + (m[4] * y) + m[5]) / w);
    }

    private readonly record struct Finger(double U, double V, double A, double B, double Cos, double Sin, double Tone);

    private static List<Finger> Fingers(Random r, SceneGrade grade, (double L, double T, double R, double B) outer, (double L, double T, double R, double B) carrier, int n, double quiet, bool phone)
    {
        // Fingers come over an edge of the carrier. Easy: they stay on its margin; moderate: into the quiet zone;
        // hard: a few modules into the code. Never over a finder pattern (top-left, top-right, bottom-left 8×8).
        var fingers = new List<Finger>();
        var count = r.Next(phone ? 1 : 0, grade == SceneGrade.Easy ? 3 : 4);
        var tone = Between(r, 0.45, 0.75);
        var reach = grade switch { SceneGrade.Easy => -quiet - 0.3, SceneGrade.Moderate => -Between(r, 0.5, quiet * 0.7), _ => Between(r, 0.5, 4) };
        var side = r.Next(4);
        for (var k = 0; k < count; k++)
        {
            var width = Between(r, 2.5, 4.5) * Math.Max(1, n / 35.0);
            var length = width * Between(r, 2.5, 4);
            var along = n > 18 + width ? Between(r, 9 + (width / 2), n - 9 - (width / 2)) : n / 2.0;

            // Tip at `reach` modules inside the code edge on `side` (negative: outside it).
            var (u, v, ang) = side switch
            {
                0 => (along, reach - length, Math.PI / 2), // from the top
                1 => (n - reach + length, along, 0.0), // from the right
                2 => (along, n - reach + length, Math.PI / 2), // from the bottom
                _ => (reach - length, along, 0.0), // from the left
            };
            fingers.Add(new Finger(u, v, length, width, Math.Cos(ang), Math.Sin(ang), tone * Between(r, 0.95, 1.05)));
            if (r.Next(2) == 0)
            {
                side = (side + 2) % 4;
            }
        }

        return fingers;
    }

    private static void Light(Random r, SceneGrade grade, float[] image, bool[] screen, bool phone)
    {
        // Ambient light: level and a gradient across the frame (a lamp to one side). A phone screen makes its own
        // light: in a dark hall it stays bright while the rest darkens, and auto-exposure then blows it out.
        var level = Graded(r, grade, (0.75, 1.05), (0.45, 0.9), (0.2, 0.55));
        var unevenness = Graded(r, grade, (0, 0.25), (0.2, 0.55), (0.4, 0.8));
        var dir = Between(r, 0, 2 * Math.PI);
        var (dx, dy) = (Math.Cos(dir), Math.Sin(dir));
        var backlight = Between(r, 0.8, 1.25) * (phone ? Graded(r, grade, (1, 1.1), (1, 1.35), (1.1, 1.6)) : 1);
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var t = ((((x / (double)Width) - 0.5) * dx) + (((y / (double)Height) - 0.5) * dy)) * 2;
                var ambient = level * (1 + (unevenness * t * 0.5));
                var i = (y * Width) + x;
                image[i] = (float)(image[i] * (phone && screen[i] ? backlight / Math.Max(0.55, level) * level : ambient));
            }
        }
    }

    private static void Moire(Random r, SceneGrade grade, float[] image, bool[] screen)
    {
        // The camera's pixel grid beating against the screen's: a fine interference pattern over the screen only.
        var amplitude = Graded(r, grade, (0.0, 0.06), (0.05, 0.12), (0.1, 0.2));
        var period = Between(r, 3, 9);
        var angle = Between(r, 0, Math.PI);
        var (fx, fy) = (Math.Cos(angle) * 2 * Math.PI / period, Math.Sin(angle) * 2 * Math.PI / period);
        var period2 = Between(r, 2, 5);
        var (gx, gy) = (Math.Cos(angle + 1.3) * 2 * Math.PI / period2, Math.Sin(angle + 1.3) * 2 * Math.PI / period2);
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var i = (y * Width) + x;
                if (screen[i])
                {
                    var m = 1 + (amplitude * Math.Sin((fx * x) + (fy * y)) * (0.6 + (0.4 * Math.Sin((gx * x) + (gy * y)))));
                    image[i] = (float)(image[i] * m);
                }
            }
        }
    }

    private static void Glare(Random r, SceneGrade grade, float[] image, bool[] carrier, double[] h, int n, bool phone)
    {
        // A reflection of a ceiling lamp on glass or laminate: a bright soft spot that washes the contrast out.
        var laminated = phone || r.NextDouble() < 0.6;
        if (!laminated)
        {
            return;
        }

        var strength = Graded(r, grade, (0.0, 0.3), (0.15, 0.45), (0.4, 0.8));
        var (gx, gy) = Apply(h, grade == SceneGrade.Easy ? Between(r, -0.2, 0.05) * n : Between(r, 0.1, 0.9) * n, Between(r, -0.1, 1.1) * n);
        var radius = Between(r, 15, 70);
        var elongation = Between(r, 1, 3);
        var angle = Between(r, 0, Math.PI);
        var (c, s) = (Math.Cos(angle), Math.Sin(angle));
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var i = (y * Width) + x;
                if (!carrier[i])
                {
                    continue;
                }

                var a = ((x - gx) * c) + ((y - gy) * s);
                var b = (-(x - gx) * s) + ((y - gy) * c);
                var g = strength * Math.Exp(-(((a * a) / (elongation * elongation)) + (b * b)) / (2 * radius * radius));
                image[i] = (float)(image[i] + (g * (1.15 - image[i])));
            }
        }
    }

    private static void GaussianBlur(float[] image, double sigma)
    {
        if (sigma < 0.15)
        {
            return;
        }

        var radius = (int)Math.Ceiling(sigma * 3);
        var kernel = new float[(2 * radius) + 1];
        for (var k = -radius; k <= radius; k++)
        {
            kernel[k + radius] = (float)Math.Exp(-(k * k) / (2 * sigma * sigma));
        }

        var total = kernel.Sum();
        for (var k = 0; k < kernel.Length; k++)
        {
            kernel[k] /= total;
        }

        var temp = new float[image.Length];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                float acc = 0;
                for (var k = -radius; k <= radius; k++)
                {
                    acc += kernel[k + radius] * image[(y * Width) + Math.Clamp(x + k, 0, Width - 1)];
                }

                temp[(y * Width) + x] = acc;
            }
        }

        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                float acc = 0;
                for (var k = -radius; k <= radius; k++)
                {
                    acc += kernel[k + radius] * temp[(Math.Clamp(y + k, 0, Height - 1) * Width) + x];
                }

                image[(y * Width) + x] = acc;
            }
        }
    }

    private static void MotionBlur(float[] image, double length, double angle)
    {
        // The badge moving while the shutter is open: the average along a line of `length` pixels.
        if (length < 0.8)
        {
            return;
        }

        var steps = Math.Max(2, (int)Math.Ceiling(length * 2));
        var (dx, dy) = (Math.Cos(angle) * length / (steps - 1), Math.Sin(angle) * length / (steps - 1));
        var source = (float[])image.Clone();
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                double acc = 0;
                for (var k = 0; k < steps; k++)
                {
                    var t = k - ((steps - 1) / 2.0);
                    acc += Bilinear(source, x + (t * dx), y + (t * dy));
                }

                image[(y * Width) + x] = (float)(acc / steps);
            }
        }
    }

    private static double Bilinear(float[] image, double x, double y)
    {
        x = Math.Clamp(x, 0, Width - 1.001);
        y = Math.Clamp(y, 0, Height - 1.001);
        var x0 = (int)x;
        var y0 = (int)y;
        var fx = x - x0;
        var fy = y - y0;
        var i = (y0 * Width) + x0;
        return (image[i] * (1 - fx) * (1 - fy)) + (image[i + 1] * fx * (1 - fy)) + (image[i + Width] * (1 - fx) * fy) + (image[i + Width + 1] * fx * fy);
    }

    private static void Noise(Random r, SceneGrade grade, float[] image)
    {
        // Read noise plus shot noise; the camera's gain for a dark scene (auto-exposure) multiplies both.
        var mean = image.Average();
        // Auto-exposure aims at a mid-grey mean but holds the brightest 2% (a lit screen) below full clipping.
        var bright = image.Where((_, i) => i % 97 == 0).Order().ElementAt(image.Length / 97 * 98 / 100);
        var gain = Math.Clamp(Math.Min(0.45 / Math.Max(0.05, mean), 1.15 / Math.Max(0.05, bright)), 0.6, 4);
        var read = Graded(r, grade, (0.004, 0.01), (0.008, 0.018), (0.015, 0.03));
        var shot = Graded(r, grade, (0.005, 0.012), (0.01, 0.02), (0.018, 0.035));
        for (var i = 0; i < image.Length; i++)
        {
            var p = Math.Max(0, image[i]);
            var sigma = read + (shot * Math.Sqrt(p));
            var u1 = 1.0 - r.NextDouble();
            var u2 = r.NextDouble();
            var z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            image[i] = (float)((p + (sigma * z)) * gain);
        }
    }

    private static void Camera(Random r, SceneGrade grade, float[] image)
    {
        // The camera's tone curve (gamma, contrast, black level) and its sharpening (an unsharp mask).
        var gamma = Between(r, 0.8, 1.25);
        var contrast = Graded(r, grade, (0.85, 1.3), (0.75, 1.35), (0.55, 1.5));
        var black = Graded(r, grade, (0, 0.05), (0, 0.12), (0.05, 0.2));
        var sharpen = Graded(r, grade, (0, 0.8), (0.3, 1.4), (0.6, 2.0));
        for (var i = 0; i < image.Length; i++)
        {
            var p = Math.Pow(Math.Clamp(image[i], 0, 1.2) / 1.2, 1 / gamma) * 1.2;
            p = 0.5 + ((p - 0.5) * contrast);
            image[i] = (float)(black + (p * (1 - black)));
        }

        if (sharpen > 0.05)
        {
            var soft = (float[])image.Clone();
            GaussianBlur(soft, 1.0);
            for (var i = 0; i < image.Length; i++)
            {
                image[i] += (float)(sharpen * (image[i] - soft[i]));
            }
        }
    }

    private static byte[] Jpeg(float[] image, int quality)
    {
        var info = new SKImageInfo(Width, Height, SKColorType.Gray8, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        var bytes = new byte[image.Length];
        for (var i = 0; i < image.Length; i++)
        {
            bytes[i] = (byte)Math.Clamp((int)Math.Round(image[i] * 255), 0, 255);
        }

        System.Runtime.InteropServices.Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }
}
