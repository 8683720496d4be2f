using System.Globalization;
using System.Security;
using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;
using QRCoder;

namespace GateKiosk.Central.Declarations;

/// <summary>
/// The site's A4 poster after appendix II of the directive: the unit's name in capitals, its address, the QR code of
/// its declaration page, and the three steps in Vietnamese with English below. Written as PDF (PDFsharp, fonts
/// embedded) or SVG; both draw the QR code as vector squares, so it prints sharp at any size.
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

    // A4 in points, with 40 pt margins; the QR code is 300 pt wide (about 10.6 cm) with its quiet zone.
    private const double PageWidth = 595.28;
    private const double PageHeight = 841.89;
    private const double Margin = 40;
    private const double QrSize = 300;

    public static Poster For(Site site, string url)
    {
        ArgumentNullException.ThrowIfNull(site);
        return new Poster(site.Name.ToUpper(CultureInfo.GetCultureInfo("vi-VN")), site.Address, url);
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
            // The whole font file: DejaVu draws most Vietnamese letters (ắ, ế, ể, …) as composite glyphs, whose accent
            // parts a subset leaves out, so a subset prints BẮC as BÁC.
            var options = new XPdfFontOptions(PdfFontEncoding.Unicode, PdfFontEmbedding.EmbedCompleteFontFile);
            var y = Margin;
            y = Lines(gfx, Title, new XFont(PosterFonts.Family, 24, XFontStyleEx.Bold, options), XBrushes.Black, y, 30);
            y = Lines(gfx, Address, new XFont(PosterFonts.Family, 13, XFontStyleEx.Regular, options), XBrushes.Black, y + 4, 17);
            y = Lines(gfx, Heading, new XFont(PosterFonts.Family, 18, XFontStyleEx.Bold, options), XBrushes.Black, y + 18, 22);
            y = Lines(gfx, HeadingEn, new XFont(PosterFonts.Family, 12, XFontStyleEx.Regular, options), XBrushes.DimGray, y, 16);

            var modules = Modules(Url);
            var cell = QrSize / modules.Count;
            var left = (PageWidth - QrSize) / 2;
            for (var row = 0; row < modules.Count; row++)
            {
                for (var col = 0; col < modules[row].Count; col++)
                {
                    if (modules[row][col])
                    {
                        // A hair wider than the cell, so that neighbouring squares leave no seam when printed.
                        gfx.DrawRectangle(XBrushes.Black, left + (col * cell), y + (row * cell), cell + 0.05, cell + 0.05);
                    }
                }
            }

            y += QrSize;
            y = Lines(gfx, Url, new XFont(PosterFonts.Family, 10, XFontStyleEx.Regular, options), XBrushes.DimGray, y, 14);
            var step = new XFont(PosterFonts.Family, 14, XFontStyleEx.Regular, options);
            y += 14;
            foreach (var line in Steps)
            {
                y = Lines(gfx, line, step, XBrushes.Black, y + 4, 19, center: false);
            }

            var stepEn = new XFont(PosterFonts.Family, 11, XFontStyleEx.Regular, options);
            y += 12;
            foreach (var line in StepsEn)
            {
                y = Lines(gfx, line, stepEn, XBrushes.DimGray, y + 2, 15, center: false);
            }
        }

        document.Save(output, closeStream: false);
    }

    /// <summary>The same page as SVG (210 × 297 mm, user units in points).</summary>
    public string ToSvg()
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"210mm\" height=\"297mm\" viewBox=\"0 0 {PageWidth} {PageHeight}\">\n");
        svg.Append("<title>").Append(Escape(Title)).Append("</title>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{PageWidth}\" height=\"{PageHeight}\" fill=\"#fff\"/>\n");
        var y = Margin;
        y = SvgLines(svg, Title, 24, true, "#000", y, 30, center: true);
        y = SvgLines(svg, Address, 13, false, "#000", y + 4, 17, center: true);
        y = SvgLines(svg, Heading, 18, true, "#000", y + 18, 22, center: true);
        y = SvgLines(svg, HeadingEn, 12, false, "#555", y, 16, center: true);

        var modules = Modules(Url);
        var cell = QrSize / modules.Count;
        var left = (PageWidth - QrSize) / 2;
        svg.Append(CultureInfo.InvariantCulture, $"<g transform=\"translate({left:0.###} {y:0.###}) scale({cell:0.#####})\" fill=\"#000\" shape-rendering=\"crispEdges\"><path d=\"");
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
        y += QrSize;
        y = SvgLines(svg, Url, 10, false, "#555", y, 14, center: true);
        y += 14;
        foreach (var line in Steps)
        {
            y = SvgLines(svg, line, 14, false, "#000", y + 4, 19, center: false);
        }

        y += 12;
        foreach (var line in StepsEn)
        {
            y = SvgLines(svg, line, 11, false, "#555", y + 2, 15, center: false);
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>The QR code's modules with a 4-module quiet zone, error correction Q (a poster gets scuffed).</summary>
    internal static List<List<bool>> Modules(string text)
    {
        using var data = QRCodeGenerator.GenerateQrCode(text, QRCodeGenerator.ECCLevel.Q);
        return [.. data.ModuleMatrix.Select(row => row.Cast<bool>().ToList())];
    }

    private static double Lines(XGraphics gfx, string text, XFont font, XBrush brush, double y, double lineHeight, bool center = true)
    {
        foreach (var line in Wrap(text, s => gfx.MeasureString(s, font).Width, PageWidth - (2 * Margin)))
        {
            var x = center ? (PageWidth - gfx.MeasureString(line, font).Width) / 2 : Margin;
            gfx.DrawString(line, font, brush, new XPoint(x, y + (lineHeight * 0.8)));
            y += lineHeight;
        }

        return y;
    }

    private static double SvgLines(StringBuilder svg, string text, double size, bool bold, string fill, double y, double lineHeight, bool center)
    {
        // No font metrics here: an average DejaVu Sans glyph is about 0.6 em wide (bold a little more).
        var width = size * (bold ? 0.68 : 0.6);
        foreach (var line in Wrap(text, s => s.Length * width, PageWidth - (2 * Margin)))
        {
            var anchor = center ? $"x=\"{PageWidth / 2:0.##}\" text-anchor=\"middle\"" : $"x=\"{Margin}\"";
            svg.Append(CultureInfo.InvariantCulture, $"<text {anchor} y=\"{y + (lineHeight * 0.8):0.##}\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"{size}\"{(bold ? " font-weight=\"bold\"" : "")} fill=\"{fill}\">");
            svg.Append(Escape(line)).Append("</text>\n");
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

    private static string Escape(string text) => SecurityElement.Escape(text);
}

/// <summary>
/// The poster's fonts for PDFsharp, which finds none by itself on Linux: DejaVu Sans (Debian's fonts-dejavu-core),
/// which has every Vietnamese letter. Installed once per process.
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

    public byte[]? GetFont(string faceName)
    {
        foreach (var folder in Folders)
        {
            var path = Path.Combine(folder, faceName + ".ttf");
            if (File.Exists(path))
            {
                return File.ReadAllBytes(path);
            }
        }

        throw new FileNotFoundException($"{faceName}.ttf was not found in {string.Join(", ", Folders)}: install the fonts-dejavu-core package.");
    }
}
