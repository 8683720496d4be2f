using System.Diagnostics;
using GateKiosk.Central.Declarations;
using GateKiosk.Devices.Scanning.Camera;
using Microsoft.Extensions.Time.Testing;
using SkiaSharp;

namespace GateKiosk.Central.Tests.Declarations;

/// <summary><c>gatekiosk-central poster</c>: one A4 page (PDF, SVG or PNG), the name in capitals, the steps, and a QR code the kiosk's decoder reads as the page's URL.</summary>
public sealed class PosterTests : IDisposable
{
    private const string Url = "https://gate.example.vn/d/que-vo";
    private readonly string _data = Directory.CreateTempSubdirectory("gk-poster-").FullName;

    public PosterTests()
    {
        using var store = new SqliteSiteStore(Path.Combine(_data, "central.db"));
        store.Add(new Site("que-vo", "Công ty TNHH Cơ khí Bắc Ninh", "Lô A2, KCN Quế Võ, thị xã Quế Võ, tỉnh Bắc Ninh", Site.DefaultTimeZone, DeclarationForm.Default), new FakeTimeProvider().GetUtcNow());
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task Poster_Pdf_IsOneA4PageWithTheNameInCapitalsAndTheSteps()
    {
        var pdf = await PosterAsync("poster.pdf");

        var info = await RunAsync("pdfinfo", pdf);
        var text = await RunAsync("pdftotext", "-layout", pdf, "-");

        Assert.Matches(@"Pages:\s+1\s", info);
        Assert.Matches(@"Page size:\s+595(\.\d+)? x 84[12](\.\d+)? pts \(A4\)", info);
        Assert.Contains("CÔNG TY TNHH CƠ KHÍ BẮC NINH", text, StringComparison.Ordinal);
        Assert.Contains("Lô A2, KCN Quế Võ", text, StringComparison.Ordinal);
        Assert.Contains("Bước 1: Mở camera", text, StringComparison.Ordinal);
        Assert.Contains("Bước 3: Điền tờ khai y tế", text, StringComparison.Ordinal);
        Assert.Contains("Step 2: Scan the QR code above.", text, StringComparison.Ordinal);
        Assert.Contains(Url, text, StringComparison.Ordinal);
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task Poster_PdfRenderedByPdftoppm_HasAQrThatTheKiosksDecoderReadsAsTheDeclarationUrl()
    {
        var pdf = await PosterAsync("poster.pdf");
        var png = Path.Combine(_data, "poster");

        await RunAsync("pdftoppm", "-r", "72", "-png", "-singlefile", pdf, png);
        var frame = LuminanceImage.Load(png + ".png");

        Assert.NotNull(frame);
        Assert.Equal(Url, new QrFrameDecoder(DecodeEffort.Still).Decode(frame));
    }

    [Fact]
    public async Task Poster_Svg_IsA4WithTheNameInCapitalsTheStepsAndTheQrModules()
    {
        var svg = await File.ReadAllTextAsync(await PosterAsync("poster.svg"));

        Assert.Contains("width=\"210mm\" height=\"297mm\"", svg, StringComparison.Ordinal);
        Assert.Contains(">CÔNG TY TNHH CƠ KHÍ BẮC NINH<", svg, StringComparison.Ordinal);
        Assert.Contains("Bước 2: Quét mã QR ở trên.", svg, StringComparison.Ordinal);
        Assert.Contains("Step 1: Open your phone&apos;s camera or a QR scanner app.", svg, StringComparison.Ordinal);
        var dark = Poster.Modules(Url).Sum(row => row.Count(m => m));
        Assert.Equal(dark, svg.Split("h1v1h-1z").Length - 1);
    }

    [Fact(Timeout = 120_000)]
    public async Task Poster_Png_IsA4At150DpiWithAQrThatTheKiosksDecoderReadsAsTheDeclarationUrl()
    {
        var frame = LuminanceImage.Load(await PosterAsync("poster.png"));

        Assert.NotNull(frame);
        Assert.Equal((1240, 1754), (frame.Width, frame.Height));
        Assert.Equal(210.0 / 297.0, (double)frame.Width / frame.Height, 3);
        Assert.Equal(Url, new QrFrameDecoder(DecodeEffort.Still).Decode(frame));
    }

    [Fact]
    public void Poster_PngFonts_HaveAGlyphForEveryLetterOfThePoster()
    {
        var poster = Poster.For(new Site("que-vo", "Trường THPT Lý Thái Tổ, Bắc Ninh, Quỳnh Phụ — Đồng Nguyễn Ẩn Ỷ Ữ", "Số 1, Phường Suối Hoa", Site.DefaultTimeZone, DeclarationForm.Default), Url);
        var text = string.Concat(new[] { poster.Title, poster.Address, Poster.Heading, Poster.HeadingEn }.Concat(Poster.Steps).Concat(Poster.StepsEn)).Replace(" ", "", StringComparison.Ordinal);

        foreach (var face in new[] { "DejaVuSans", "DejaVuSans-Bold" })
        {
            using var typeface = SKTypeface.FromFile(PosterFonts.FontPath(face));
            using var font = new SKFont(typeface);
            Assert.True(font.ContainsGlyphs(text), $"{face} lacks a letter of: {text}");
        }
    }

    [Fact]
    public void Poster_NameTypedWithCombiningAccents_IsPrintedComposed()
    {
        var decomposed = "Bắc Ninh".Normalize(System.Text.NormalizationForm.FormD);

        var poster = Poster.For(new Site("que-vo", decomposed, decomposed, Site.DefaultTimeZone, DeclarationForm.Default), Url);

        Assert.Equal("BẮC NINH".Normalize(System.Text.NormalizationForm.FormC), poster.Title);
        Assert.True(poster.Address.IsNormalized(System.Text.NormalizationForm.FormC));
    }

    [Theory]
    [InlineData("--site", "nowhere", 1)]
    [InlineData("--site", "Que Vo", 2)]
    [InlineData("--out", "poster.docx", 2)]
    public async Task Poster_BadArguments_ExitsWithTheCode(string option, string value, int code)
    {
        var args = option == "--site" ? new[] { option, value } : ["--site", "que-vo", option, Path.Combine(_data, value)];
        Assert.Equal(code, await PosterCommand.RunAsync([.. args, "--data", _data, "--url", "https://gate.example.vn"], TextWriter.Null, TextWriter.Null));
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private async Task<string> PosterAsync(string name)
    {
        var file = Path.Combine(_data, name);
        using var error = new StringWriter();
        Assert.Equal(0, await PosterCommand.RunAsync(["--site", "que-vo", "--out", file, "--data", _data, "--url", "https://gate.example.vn/"], TextWriter.Null, error));
        return file;
    }

    /// <summary>Runs a poppler tool (pdftotext, pdfinfo, pdftoppm) and returns its output; skips the test when it is not installed.</summary>
    internal static async Task<string> RunAsync(string tool, params string[] args)
    {
        Skip.IfNot(File.Exists("/usr/bin/" + tool), $"{tool} is not installed (Debian's poppler-utils; the test command installs it).");
        var start = new ProcessStartInfo("/usr/bin/" + tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{tool} exited {process.ExitCode}: {await error}");
        return await output;
    }
}
