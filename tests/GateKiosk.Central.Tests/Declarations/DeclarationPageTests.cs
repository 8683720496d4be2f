using System.Net;
using GateKiosk.Central.Tests.Web;
using GateKiosk.Devices.Scanning.Camera;
using GateKiosk.Testing;
using Microsoft.Playwright;

namespace GateKiosk.Central.Tests.Declarations;

/// <summary><c>/d/{site}</c>: the public form on a phone-sized Chromium, in Vietnamese by default, and the pass's QR on the result.</summary>
public sealed class DeclarationPageTests
{
    /// <summary>Where the phone screenshot is written (docs/images/declaration-phone.png is a copy of it).</summary>
    public static readonly string ScreenshotPath = Path.Combine(Path.GetTempPath(), "gatekiosk-declaration-phone.png");

    [SkippableFact(Timeout = 180_000)]
    public async Task DeclarePage_VietnameseFormOnAPhone_ShowsAQrThatTheKiosksDecoderReadsAsThePass()
    {
        Skip.IfNot(File.Exists(Chromium.Path), Chromium.NotInstalled);
        await using var central = await DeclaringCentral.StartAsync();
        central.AddSite("que-vo");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await CentralSite.LaunchAsync(playwright);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = central.Http.BaseAddress!.ToString(),
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            DeviceScaleFactor = 2,
            IsMobile = true,
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/d/que-vo");
        Assert.Equal("Họ và tên *", (await page.TextContentAsync("label[for=fullName]"))?.Trim());
        Assert.Contains("30", await page.TextContentAsync("#privacy") ?? "", StringComparison.Ordinal);
        await page.FillAsync("#fullName", "Nguyễn Thị Hoa");
        await page.FillAsync("#idNumber", "001199004321");
        await page.FillAsync("#birthYear", "1999");
        await page.CheckAsync("#sex-female");
        await page.SelectOptionAsync("#category", "visitor");
        await page.CheckAsync("#contact-no");
        await page.ClickAsync("#declare-submit");
        await page.WaitForSelectorAsync("#pass-qr");

        var text = (await page.TextContentAsync("#pass-text"))!.Trim();
        Assert.StartsWith("GKH1:", text, StringComparison.Ordinal);
        Assert.Equal("Mã vào cổng hôm nay", (await page.TextContentAsync("#result-title"))?.Trim());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath, FullPage = true });
        var qrShot = Path.Combine(Path.GetTempPath(), $"gk-qr-{Guid.NewGuid():N}.png");
        try
        {
            await page.Locator("#pass-qr").ScreenshotAsync(new LocatorScreenshotOptions { Path = qrShot });
            var frame = LuminanceImage.Load(qrShot);
            Assert.NotNull(frame);
            Assert.Equal(text, new QrFrameDecoder(DecodeEffort.Still).Decode(frame));
        }
        finally
        {
            File.Delete(qrShot);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task DeclarePage_PostWithoutTheAntiforgeryToken_IsRefusedAndStoresNothing()
    {
        await using var central = await DeclaringCentral.StartAsync();
        central.AddSite("que-vo");

        using var response = await central.Http.PostAsync("/d/que-vo", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["FullName"] = "Nguyễn Văn An",
            ["BirthYear"] = "1990",
            ["Sex"] = "male",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(central.Sites.Declarations(null, DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue.AddDays(-1), long.MaxValue, 10));
    }

    [Fact(Timeout = 120_000)]
    public async Task DeclarePage_UnknownSite_Returns404()
    {
        await using var central = await DeclaringCentral.StartAsync();

        using var response = await central.Http.GetAsync("/d/nowhere");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
