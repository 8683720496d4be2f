using System.Globalization;
using System.Security;
using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;
using QRCoder;
using SkiaSharp;

namespace GateKiosk.Central.Declarations;

/// <summary>
/// The site's A4 poster after appendix II of the directive: the unit's name in capitals, its address, the QR code of
/// its declaration page, and the three steps in Vietnamese with English below. One layout (<see cref="Draw"/>) is drawn
/// on a PDF page (PDFsharp, fonts embedded), an SVG document or a PNG bitmap (SkiaSharp); PDF and SVG draw the QR code
/// as vector squares, so it prints sharp at any size.
/// </summary>
internal sealed record Poster(string Title, string Address, string Url)
{
    public const string Heading = "QUÉT MÃ QR ĐỂ KHAI BÁO Y TẾ";
    public const string HeadingEn = "Scan the QR code to declare your health";

    public static readonly IReadOnlyList<string> Steps =
    [
        "Bước 1: Mở camera hoặc ứng dụng quét mã QR trên điện thoại.",
        "Bước 2: Quét mã QR ở trên.",
        "Bước 3: Điền tờ khai y tế, rồi đưa mã nhận được vào đầu đọc ở cổng.",
    ];

    public static readonly IReadOnlyList<string> StepsEn =
    [
        "Step 1: Open your phone's camera or a QR scanner app.",
        "Step 2: Scan the QR code above.",
        "Step 3: Fill in the health declaration, then hold the code you get to the reader at the gate.",
    ];

    /// <summary>Resolution of <see cref="WritePng"/> by default: sharp enough to print, about 0.2 MB.</summary>
    public const int DefaultPngDpi = 150;

    // A4 in points, with 40 pt margins; the QR code is 300 pt wide (about 10.6 cm) with its quiet zone.
    internal const double PageWidth = 595.28;
    internal const double PageHeight = 841.89;
    internal const double Margin = 40;
    private const double QrSize = 300;

    private static readonly PosterText TitleText = new(24, Bold: true, Grey: false);
    private static readonly PosterText AddressText = new(13, Bold: false, Grey: false);
    private static readonly PosterText HeadingText = new(18, Bold: true, Grey: false);
    private static readonly PosterText HeadingEnText = new(12, Bold: false, Grey: true);
    private static readonly PosterText UrlText = new(10, Bold: false, Grey: true);
    private static readonly PosterText StepText = new(14, Bold: false, Grey: false);
    private static readonly PosterText StepEnText = new(11, Bold: false, Grey: true);

    /// <summary>
    /// The poster of <paramref name="site"/>. Its text is put in composed form (NFC): a name typed with combining
    /// accents would otherwise lose them in a font without those marks, or have them misplaced.
    /// </summary>
    public static Poster For(Site site, string url)
    {
        ArgumentNullException.ThrowIfNull(site);
        return new Poster(
            site.Name.Normalize(NormalizationForm.FormC).ToUpper(CultureInfo.GetCultureInfo("vi-VN")),
            site.Address.Normalize(NormalizationForm.FormC),
            url);
    }

    /// <summary>One A4 page as PDF.</summary>
    public void WritePdf(Stream output)
    {
        PosterFonts.Install();
        using var document = new PdfDocument();
        document.Info.Title = Title;
        document.Info.Creator = "GateKiosk";
        var page = document.AddPage();
        page.Size = PdfSharp.PageSize.A4;
        using (var gfx = XGraphics.FromPdfPage(page))
        {
            Draw(new PdfPosterSurface(gfx));
        }

        document.Save(output, closeStream: false);
    }

    /// <summary>The same page as SVG (210 × 297 mm, user units in points).</summary>
    public string ToSvg()
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"210mm\" height=\"297mm\" viewBox=\"0 0 {PageWidth} {PageHeight}\">\n");
        svg.Append("<title>").Append(SvgPosterSurface.Escape(Title)).Append("</title>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{PageWidth}\" height=\"{PageHeight}\" fill=\"#fff\"/>\n");
        Draw(new SvgPosterSurface(svg));
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>
    /// The same page as a PNG of A4 at <paramref name="dpi"/> (1240 × 1754 pixels at 150 dpi), white, in DejaVu Sans;
    /// the QR code's modules are whole pixels apart so that no edge is blurred.
    /// </summary>
    public void WritePng(Stream output, int dpi = DefaultPngDpi)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(dpi, 72);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dpi, 600);
        var scale = dpi / 72.0;
        using var bitmap = new SKBitmap(new SKImageInfo((int)Math.Round(PageWidth * scale), (int)Math.Round(PageHeight * scale), SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        using (var surface = new PngPosterSurface(canvas, scale))
        {
            canvas.Clear(SKColors.White);
            Draw(surface);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        data.SaveTo(output);
    }

    /// <summary>The poster in <paramref name="format"/>.</summary>
    public void Write(Stream output, PosterFormat format)
    {
        ArgumentNullException.ThrowIfNull(output);
        switch (format)
        {
            case PosterFormat.Pdf:
                WritePdf(output);
                break;
            case PosterFormat.Svg:
                output.Write(Encoding.UTF8.GetBytes(ToSvg()));
                break;
            case PosterFormat.Png:
                WritePng(output);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "not a poster format");
        }
    }

    /// <summary>The QR code's modules with a 4-module quiet zone, error correction Q (a poster gets scuffed).</summary>
    internal static List<List<bool>> Modules(string text)
    {
        using var data = QRCodeGenerator.GenerateQrCode(text, QRCodeGenerator.ECCLevel.Q);
        return [.. data.ModuleMatrix.Select(row => row.Cast<bool>().ToList())];
    }

    /// <summary>The layout, top to bottom, in points from the page's top left corner.</summary>
    private void Draw(IPosterSurface surface)
    {
        var y = Margin;
        y = Lines(surface, Title, TitleText, y, 30);
        y = Lines(surface, Address, AddressText, y + 4, 17);
        y = Lines(surface, Heading, HeadingText, y + 18, 22);
        y = Lines(surface, HeadingEn, HeadingEnText, y, 16);
        surface.Qr(Modules(Url), (PageWidth - QrSize) / 2, y, QrSize);
        y += QrSize;
        y = Lines(surface, Url, UrlText, y, 14);
        y += 14;
        foreach (var line in Steps)
        {
            y = Lines(surface, line, StepText, y + 4, 19, center: false);
        }

        y += 12;
        foreach (var line in StepsEn)
        {
            y = Lines(surface, line, StepEnText, y + 2, 15, center: false);
        }
    }

    private static double Lines(IPosterSurface surface, string text, PosterText style, double y, double lineHeight, bool center = true)
    {
        foreach (var line in Wrap(text, s => surface.Measure(s, style), PageWidth - (2 * Margin)))
        {
            surface.Text(line, style, y + (lineHeight * 0.8), center);
            y += lineHeight;
        }

        return y;
    }

    /// <summary>Greedy word wrap: as many words on a line as fit in <paramref name="width"/>; a longer word stands alone.</summary>
    private static List<string> Wrap(string text, Func<string, double> measure, double width)
    {
        var lines = new List<string>();
        var current = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = current.Length == 0 ? word : current + " " + word;
            if (current.Length > 0 && measure(candidate) > width)
            {
                lines.Add(current);
                current = word;
            }
            else
            {
                current = candidate;
            }
        }

        if (current.Length > 0)
        {
            lines.Add(current);
        }

        return lines;
    }
}

/// <summary>The files a poster is written as.</summary>
internal enum PosterFormat
{
    Pdf,
    Svg,
    Png,
}

/// <summary>A poster format's file extension and media type.</summary>
internal static class PosterFormats
{
    public static readonly IReadOnlyList<PosterFormat> All = [PosterFormat.Pdf, PosterFormat.Svg, PosterFormat.Png];

    /// <summary><c>pdf</c>, <c>svg</c> or <c>png</c>.</summary>
    public static string Extension(this PosterFormat format) => format.ToString().ToLowerInvariant();

    public static string ContentType(this PosterFormat format) => format switch
    {
        PosterFormat.Pdf => "application/pdf",
        PosterFormat.Svg => "image/svg+xml",
        _ => "image/png",
    };

    /// <summary>The format of an extension (<c>pdf</c>, <c>.svg</c>, …) or of a file name ending in one, in any letter case; null for anything else.</summary>
    public static PosterFormat? Parse(string? nameOrExtension) =>
        All.Cast<PosterFormat?>().FirstOrDefault(f => nameOrExtension is not null
            && (nameOrExtension.Equals(f!.Value.Extension(), StringComparison.OrdinalIgnoreCase)
                || nameOrExtension.EndsWith("." + f.Value.Extension(), StringComparison.OrdinalIgnoreCase)));
}

/// <summary>A kind of text on the poster: size in points, bold, and grey (the English lines and the URL) or black.</summary>
internal sealed record PosterText(double Size, bool Bold, bool Grey);

/// <summary>What <see cref="Poster"/>'s layout draws on; coordinates in points from the page's top left corner.</summary>
internal interface IPosterSurface
{
    /// <summary>The width of <paramref name="text"/> in points.</summary>
    double Measure(string text, PosterText style);

    /// <summary>One line on <paramref name="baseline"/>, centred on the page or at the left margin.</summary>
    void Text(string text, PosterText style, double baseline, bool center);

    /// <summary>The QR code's modules in a square of <paramref name="size"/> points.</summary>
    void Qr(List<List<bool>> modules, double left, double top, double size);
}

/// <summary>The poster on a PDF page through PDFsharp, with DejaVu Sans embedded whole.</summary>
internal sealed class PdfPosterSurface(XGraphics gfx) : IPosterSurface
{
    // The whole font file: DejaVu draws most Vietnamese letters (ắ, ế, ể, …) as composite glyphs, whose accent parts a
    // subset leaves out, so a subset prints BẮC as BÁC.
    private static readonly XPdfFontOptions Embedding = new(PdfFontEncoding.Unicode, PdfFontEmbedding.EmbedCompleteFontFile);

    private readonly Dictionary<PosterText, XFont> _fonts = [];

    public double Measure(string text, PosterText style) => gfx.MeasureString(text, Font(style)).Width;

    public void Text(string text, PosterText style, double baseline, bool center)
    {
        var x = center ? (Poster.PageWidth - Measure(text, style)) / 2 : Poster.Margin;
        gfx.DrawString(text, Font(style), style.Grey ? XBrushes.DimGray : XBrushes.Black, new XPoint(x, baseline));
    }

    public void Qr(List<List<bool>> modules, double left, double top, double size)
    {
        var cell = size / modules.Count;
        for (var row = 0; row < modules.Count; row++)
        {
            for (var col = 0; col < modules[row].Count; col++)
            {
                if (modules[row][col])
                {
                    // A hair wider than the cell, so that neighbouring squares leave no seam when printed.
                    gfx.DrawRectangle(XBrushes.Black, left + (col * cell), top + (row * cell), cell + 0.05, cell + 0.05);
                }
            }
        }
    }

    private XFont Font(PosterText style)
    {
        if (!_fonts.TryGetValue(style, out var font))
        {
            font = new XFont(PosterFonts.Family, style.Size, style.Bold ? XFontStyleEx.Bold : XFontStyleEx.Regular, Embedding);
            _fonts[style] = font;
        }

        return font;
    }
}

/// <summary>The poster as SVG elements; the QR code is one path of unit squares.</summary>
internal sealed class SvgPosterSurface(StringBuilder svg) : IPosterSurface
{
    // No font metrics here: an average DejaVu Sans glyph is about 0.6 em wide (bold a little more).
    public double Measure(string text, PosterText style) => text.Length * style.Size * (style.Bold ? 0.68 : 0.6);

    public void Text(string text, PosterText style, double baseline, bool center)
    {
        var anchor = center ? $"x=\"{Poster.PageWidth / 2:0.##}\" text-anchor=\"middle\"" : $"x=\"{Poster.Margin}\"";
        svg.Append(CultureInfo.InvariantCulture, $"<text {anchor} y=\"{baseline:0.##}\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"{style.Size}\"{(style.Bold ? " font-weight=\"bold\"" : "")} fill=\"{(style.Grey ? "#555" : "#000")}\">");
        svg.Append(Escape(text)).Append("</text>\n");
    }

    public void Qr(List<List<bool>> modules, double left, double top, double size)
    {
        svg.Append(CultureInfo.InvariantCulture, $"<g transform=\"translate({left:0.###} {top:0.###}) scale({size / modules.Count:0.#####})\" fill=\"#000\" shape-rendering=\"crispEdges\"><path d=\"");
        for (var row = 0; row < modules.Count; row++)
        {
            for (var col = 0; col < modules[row].Count; col++)
            {
                if (modules[row][col])
                {
                    svg.Append(CultureInfo.InvariantCulture, $"M{col} {row}h1v1h-1z");
                }
            }
        }

        svg.Append("\"/></g>\n");
    }

    public static string Escape(string text) => SecurityElement.Escape(text);
}

/// <summary>The poster on a SkiaSharp canvas of <paramref name="scale"/> pixels per point, in DejaVu Sans.</summary>
internal sealed class PngPosterSurface(SKCanvas canvas, double scale) : IPosterSurface, IDisposable
{
    private static readonly SKColor Grey = new(0x69, 0x69, 0x69);

    private readonly SKTypeface _regular = Typeface("DejaVuSans");
    private readonly SKTypeface _bold = Typeface("DejaVuSans-Bold");
    private readonly Dictionary<PosterText, SKFont> _fonts = [];
    private readonly SKPaint _black = new() { Color = SKColors.Black, IsAntialias = true };
    private readonly SKPaint _grey = new() { Color = Grey, IsAntialias = true };
    private readonly SKPaint _module = new() { Color = SKColors.Black, IsAntialias = false };

    public double Measure(string text, PosterText style) => Font(style).MeasureText(text) / scale;

    public void Text(string text, PosterText style, double baseline, bool center)
    {
        var x = center ? (Poster.PageWidth - Measure(text, style)) / 2 : Poster.Margin;
        canvas.DrawText(text, (float)(x * scale), (float)(baseline * scale), SKTextAlign.Left, Font(style), style.Grey ? _grey : _black);
    }

    public void Qr(List<List<bool>> modules, double left, double top, double size)
    {
        // Module edges rounded to whole pixels: each square is sharp, and neighbours meet without a seam or overlap.
        var cell = size / modules.Count;
        for (var row = 0; row < modules.Count; row++)
        {
            for (var col = 0; col < modules[row].Count; col++)
            {
                if (modules[row][col])
                {
                    canvas.DrawRect(SKRect.Create(Px(left + (col * cell)), Px(top + (row * cell)), Px(left + ((col + 1) * cell)) - Px(left + (col * cell)), Px(top + ((row + 1) * cell)) - Px(top + (row * cell))), _module);
                }
            }
        }
    }

    public void Dispose()
    {
        foreach (var font in _fonts.Values)
        {
            font.Dispose();
        }

        _black.Dispose();
        _grey.Dispose();
        _module.Dispose();
        _regular.Dispose();
        _bold.Dispose();
    }

    private float Px(double points) => (float)Math.Round(points * scale);

    private SKFont Font(PosterText style)
    {
        if (!_fonts.TryGetValue(style, out var font))
        {
            font = new SKFont(style.Bold ? _bold : _regular, (float)(style.Size * scale)) { Subpixel = true, Edging = SKFontEdging.Antialias };
            _fonts[style] = font;
        }

        return font;
    }

    private static SKTypeface Typeface(string faceName) =>
        SKTypeface.FromFile(PosterFonts.FontPath(faceName)) ?? throw new InvalidOperationException($"{faceName}.ttf could not be read as a font.");
}

/// <summary>
/// The poster's fonts for PDFsharp, which finds none by itself on Linux, and for the PNG: DejaVu Sans (Debian's
/// fonts-dejavu-core), which has every Vietnamese letter. Installed once per process.
/// </summary>
internal sealed class PosterFonts : IFontResolver
{
    public const string Family = "GateKiosk Sans";

    private static readonly string[] Folders = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts"];
    private static readonly Lock InstallLock = new();

    public static void Install()
    {
        lock (InstallLock)
        {
            if (GlobalFontSettings.FontResolver is not PosterFonts)
            {
                GlobalFontSettings.FontResolver = new PosterFonts();
            }
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        new(bold ? "DejaVuSans-Bold" : "DejaVuSans");

    public byte[]? GetFont(string faceName) => File.ReadAllBytes(FontPath(faceName));

    /// <summary>The file of <paramref name="faceName"/> (<c>DejaVuSans</c> or <c>DejaVuSans-Bold</c>).</summary>
    public static string FontPath(string faceName)
    {
        foreach (var folder in Folders)
        {
            var path = Path.Combine(folder, faceName + ".ttf");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"{faceName}.ttf was not found in {string.Join(", ", Folders)}: install the fonts-dejavu-core package.");
    }
}
