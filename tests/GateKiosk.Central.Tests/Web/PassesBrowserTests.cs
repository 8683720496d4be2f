using System.Collections.Frozen;
using System.Globalization;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Passes;
using GateKiosk.Central.People;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Decoding;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Tests.Web;

/// <summary>Issuing, printing and revoking passes on the Passes page in a real Chromium; the printed QR is decoded and verified as a kiosk verifies it.</summary>
public sealed class PassesBrowserTests(CentralSite site) : IClassFixture<CentralSite>
{
    private static readonly TimeZoneInfo Hanoi = TimeZoneInfo.FindSystemTimeZoneById("Asia/Ho_Chi_Minh");

    private IssuerKeyStore Keys => new(site.Central.Services.GetRequiredService<IOptions<CentralOptions>>().Value.DataDirectory);

    private SqlitePassStore Passes => site.Central.Services.GetRequiredService<SqlitePassStore>();

    [SkippableFact(Timeout = 180_000)]
    public async Task PassesPage_ManagerIssuesPrintsAndRevokesAVisitorPass_QrVerifiesAtAKioskAndEachStepIsAudited()
    {
        EnsureKey();
        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Manager));
        await page.GotoAsync("/passes");
        var date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Hanoi).DateTime).AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        await page.FillAsync("#visitor-name", "Hoàng Văn Khách");
        await page.FillAsync("#visitor-host", "NV-HOST");
        await page.FillAsync("#visitor-date", date);
        await page.Locator("#visitor-site").EvaluateAsync("s => { const o = document.createElement('option'); o.value = o.text = 'site-pass'; s.add(o); s.value = 'site-pass'; }");
        await page.CheckAsync("#visitor-single-use");
        await page.ClickAsync("#issue-visitor");

        Assert.Equal("allow", await page.GetAttributeAsync("#passes-result", "class"));
        var stored = Passes.Latest(1).Single();
        Assert.Equal((CredentialKinds.VisitorPass, "Hoàng Văn Khách", "NV-HOST", true), (stored.Kind, stored.Holder, stored.Host, stored.SingleUse));
        Assert.Equal(["site-pass"], stored.Sites);
        var row = page.Locator($"#passes tr[data-pass='{stored.Id}']");
        Assert.Contains("Hoàng Văn Khách", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal($"{date} 00:00", TimeZoneInfo.ConvertTime(stored.NotBefore, Hanoi).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));

        // The print page shows the QR (the SVG loads as an image); the PNG decodes to the signed pass a kiosk admits.
        await row.Locator("a.print-pass").ClickAsync();
        await page.WaitForSelectorAsync("#pass-qr");
        Assert.True(await page.Locator("#pass-qr").EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 100"));
        await page.EmulateMediaAsync(new() { Media = Microsoft.Playwright.Media.Print });
        Assert.False(await page.IsVisibleAsync("header"));
        Assert.True(await page.IsVisibleAsync("#pass-qr"));
        var png = await page.Context.APIRequest.GetAsync($"/passes/{stored.Id}/qr/png");
        Assert.Equal("image/png", png.Headers["content-type"]);
        var text = DecodeQr(await png.BodyAsync());
        Assert.Equal(stored.Code, text);
        var check = Verify(text!, stored.NotBefore.AddHours(9));
        Assert.Equal(ReasonCodes.Valid, check.Reason);
        Assert.Equal(new CredentialRef(CredentialKinds.VisitorPass, "gatekiosk", stored.Subject), check.Credential);
        Assert.Equal(ReasonCodes.Expired, Verify(text!, stored.Expires.AddMinutes(5)).Reason);

        var issued = Assert.Single(await AuditAsync("pass-issue", $"pass={stored.Id} "));
        Assert.Equal(CentralSite.UserOf(Roles.Manager), issued.Actor);
        Assert.Contains("kind=visitor-pass sites=site-pass", issued.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Khách", issued.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(stored.Subject, issued.Detail, StringComparison.Ordinal);

        // Revoked: marked with who and when, the QR is no longer served, and one record is written.
        await page.EmulateMediaAsync(new() { Media = Microsoft.Playwright.Media.Screen });
        await page.GotoAsync("/passes");
        await page.Locator($"#passes tr[data-pass='{stored.Id}'] button.revoke-pass").ClickAsync();
        Assert.Equal("allow", await page.GetAttributeAsync("#passes-result", "class"));
        Assert.StartsWith("Đã thu hồi bởi manager-user lúc ", await page.InnerTextAsync($"#passes tr[data-pass='{stored.Id}'] .pass-status"), StringComparison.Ordinal);
        Assert.Equal(CentralSite.UserOf(Roles.Manager), Passes.Find(stored.Id)!.RevokedBy);
        Assert.Contains(stored.PassId, await page.InnerTextAsync("#revoked-ids"), StringComparison.Ordinal);
        Assert.Equal(ReasonCodes.Revoked, Verify(stored.Code, stored.NotBefore.AddHours(9), Passes.RevokedIds(DateTimeOffset.UtcNow)).Reason);
        Assert.Equal(404, (await page.Context.APIRequest.GetAsync($"/passes/{stored.Id}/qr/png")).Status);
        Assert.Single(await AuditAsync("pass-revoke", $"pass={stored.Id} "));
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task PassesPage_StaffPass_CarriesTheEmployeeIdSitesAndScheduleAndSvgDownloads()
    {
        EnsureKey();
        Assert.NotNull(site.Central.Services.GetRequiredService<SqlitePeopleStore>().Save(
            new StaffMember(0, "NV-PASS", "Đặng Thị Thẻ", "", ["site-pass"], ["B-PASS"], "Mon–Fri 07:00–19:00"), DateTimeOffset.UtcNow));
        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Admin));
        await page.GotoAsync("/passes");

        await page.Locator("#staff-employee").SelectOptionAsync("NV-PASS");
        await page.ClickAsync("#issue-staff");

        Assert.Equal("allow", await page.GetAttributeAsync("#passes-result", "class"));
        var stored = Passes.Latest(1).Single();
        Assert.Equal((CredentialKinds.StaffPass, "NV-PASS", "Đặng Thị Thẻ"), (stored.Kind, stored.Subject, stored.Holder));
        var svg = await page.Context.APIRequest.GetAsync($"/passes/{stored.Id}/qr/svg");
        Assert.Equal("image/svg+xml", svg.Headers["content-type"]);
        Assert.StartsWith("<svg", (await svg.TextAsync()).TrimStart(), StringComparison.Ordinal);

        // A Saturday noon is outside Mon–Fri.
        var saturday = NextDay(DayOfWeek.Saturday, 12);
        var weekday = NextDay(DayOfWeek.Wednesday, 12);
        Assert.Equal(ReasonCodes.Valid, Verify(stored.Code, weekday).Reason);
        Assert.Equal(ReasonCodes.OutsideSchedule, Verify(stored.Code, saturday).Reason);
        Assert.Single(await AuditAsync("pass-issue", $"pass={stored.Id} kind=staff-pass "));
    }

    [SkippableTheory(Timeout = 120_000)]
    [InlineData(Roles.Guard)]
    [InlineData(Roles.Health)]
    [InlineData(Roles.Viewer)]
    public async Task PassesPage_OtherRoles_AreRefused(string role)
    {
        var page = await site.SignInAsync(CentralSite.UserOf(role));
        Assert.Equal(403, (await page.GotoAsync("/passes"))!.Status);
        Assert.Equal(0, await page.Locator("#nav-passes").CountAsync());
        Assert.Equal(403, (await page.Context.APIRequest.GetAsync("/passes/1/qr/png")).Status);
    }

    private void EnsureKey()
    {
        lock (site)
        {
            if (Keys.ActiveKeyId is null)
            {
                Keys.Create(KeyAlgorithm.ES256);
            }
        }
    }

    /// <summary>Verifies <paramref name="text"/> as a kiosk of site-pass in Hanoi would, with central's trust list and the given revocations.</summary>
    private CredentialCheck Verify(string text, DateTimeOffset at, IEnumerable<string>? revoked = null)
    {
        var settings = new SignedCredentialSettings
        {
            Trust = TrustList.Parse(Keys.ExportTrustList("gatekiosk")),
            SiteId = "site-pass",
            TimeZone = Hanoi,
            Revoked = (revoked ?? []).ToFrozenSet(StringComparer.Ordinal),
        };
        var kind = text.StartsWith("GKV1:", StringComparison.Ordinal) ? CredentialKinds.VisitorPass : CredentialKinds.StaffPass;
        return new GateKioskPassVerifier(kind, settings, NoPassUseLedger.Instance).Verify(new ScannedCode(text), at);
    }

    private static DateTimeOffset NextDay(DayOfWeek day, int hour)
    {
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Hanoi).Date.AddDays(1);
        while (local.DayOfWeek != day)
        {
            local = local.AddDays(1);
        }

        return new DateTimeOffset(local.AddHours(hour), TimeSpan.FromHours(7));
    }

    private static string? DecodeQr(byte[] png)
    {
        var image = StbImageSharp.ImageResult.FromMemory(png, StbImageSharp.ColorComponents.RedGreenBlueAlpha);
        var source = new ZXing.RGBLuminanceSource(image.Data, image.Width, image.Height, ZXing.RGBLuminanceSource.BitmapFormat.RGBA32);
        var hints = new Dictionary<ZXing.DecodeHintType, object> { [ZXing.DecodeHintType.POSSIBLE_FORMATS] = new List<ZXing.BarcodeFormat> { ZXing.BarcodeFormat.QR_CODE } };
        return new ZXing.MultiFormatReader().decode(new ZXing.BinaryBitmap(new ZXing.Common.HybridBinarizer(source)), hints)?.Text;
    }

    private async Task<List<AuditRecord>> AuditAsync(string action, string detailContains) =>
        [.. (await site.Central.Services.GetRequiredService<IAuditLog>().GetAuditAsync(10_000))
            .Where(r => r.Action == action && r.Detail.Contains(detailContains, StringComparison.Ordinal))];
}
