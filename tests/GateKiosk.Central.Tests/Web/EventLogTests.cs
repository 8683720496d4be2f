using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Web;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace GateKiosk.Central.Tests.Web;

/// <summary>
/// The event log page, its CSV and XLSX exports and the audit trail, in a real Chromium: filters (with scripts
/// blocked), times in the site's zone, what each role sees, formulas neutralised, and what each action leaves in the trail.
/// </summary>
public sealed class EventLogTests(EventLogTests.Site site) : IClassFixture<EventLogTests.Site>
{
    /// <summary>The formula a hostile badge number or name may carry.</summary>
    public const string Formula = "=HYPERLINK(\"http://x\",\"y\")";

    /// <summary><see cref="CentralSite"/> with events at two sites (Vietnam time, UTC+7) and one whose subject is <see cref="Formula"/>.</summary>
    public sealed class Site : IAsyncLifetime
    {
        public CentralSite Central { get; } = new();

        public async Task InitializeAsync()
        {
            await Central.InitializeAsync();
            var a = new FakeEntryJournal("site-a", "gate-1");
            var b = new FakeEntryJournal("site-b", "gate-2");
            var f = new FakeEntryJournal("site-f", "gate-f");
            await StoreAsync(a, Entry(0, Decisions.Allow, ReasonCodes.Valid, "E1001"));
            await StoreAsync(a, Entry(5, Decisions.Deny, ReasonCodes.Expired, "E1002") with { TimeSource = TimeSources.None });
            await StoreAsync(a, Entry(70, Decisions.Allow, ReasonCodes.Valid, "E1003"));
            await StoreAsync(b, Entry(10, Decisions.Allow, ReasonCodes.Valid, "E2001") with { TimeSource = TimeSources.Rtc });
            await StoreAsync(f, Entry(20, Decisions.Deny, ReasonCodes.NotEnrolled, Formula));
        }

        public Task DisposeAsync() => Central.DisposeAsync();

        /// <summary>An entry <paramref name="minutes"/> after 2026-11-27 01:00 UTC (08:00 in Vietnam).</summary>
        private static EventDraft Entry(int minutes, string decision, string reason, string subject) => new()
        {
            Type = EventTypes.Entry,
            Direction = "in",
            OccurredAt = new DateTimeOffset(2026, 11, 27, 1, 0, 0, TimeSpan.Zero).AddMinutes(minutes),
            TimeSource = TimeSources.Ntp,
            Decision = decision,
            Reason = reason,
            Credential = new CredentialRef(CredentialKinds.Badge, "allowlist", subject),
        };

        private async Task StoreAsync(FakeEntryJournal journal, EventDraft draft)
        {
            var published = journal.Append(draft);
            var entry = JsonSerializer.Deserialize(published.Payload.Span, ContractsJsonContext.Default.EntryEvent)!;
            await Central.Central.Services.GetRequiredService<IIngestWriter>().StoreAsync([(entry, published.Payload)]);
        }
    }

    private CentralSite Central => site.Central;

    [SkippableFact(Timeout = 120_000)]
    public async Task EventLog_FilteredWithScriptsBlocked_ShowsOnlyMatchingRowsInTheSitesTime()
    {
        var browser = await Central.BrowserAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Central.Url, JavaScriptEnabled = false });
        var page = await context.NewPageAsync();
        await CentralSite.SignInAsync(page, Central.Url, CentralSite.UserOf(Roles.Guard), CentralSite.Password);
        await page.ClickAsync("#nav-events");
        Assert.Equal(5, await page.Locator("#event-log tbody tr").CountAsync());

        await page.SelectOptionAsync("#f-site", "site-a");
        await page.SelectOptionAsync("#f-decision", "deny");
        await page.ClickAsync("#filter");

        var rows = page.Locator("#event-log tbody tr");
        Assert.Equal(1, await rows.CountAsync());
        Assert.Equal("E1002", await rows.Locator("td.subject").InnerTextAsync());
        Assert.StartsWith("2026-11-27 08:05:00", await rows.Locator("td.time").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await rows.Locator("td.time .clock-none").CountAsync());
        Assert.Contains("decision=deny", page.Url, StringComparison.Ordinal);

        // A time range in the site's local time: 08:00–09:00 in Vietnam holds two of site-a's three entries.
        await page.GotoAsync("/events?site=site-a&from=2026-11-27T08:00&to=2026-11-27T09:00");
        Assert.Equal(["E1002", "E1001"], await page.Locator("#event-log td.subject").AllInnerTextsAsync());
        Assert.Equal(0, await page.Locator("#event-log td.time .clock-rtc, #event-log td.time .clock-ntp").CountAsync());

        await page.GotoAsync("/events?subject=E2001");
        Assert.Equal(["E2001"], await page.Locator("#event-log td.subject").AllInnerTextsAsync());
        Assert.Equal(1, await page.Locator("#event-log td.time .clock-rtc").CountAsync());
        await page.GotoAsync("/events?reason=not-enrolled&type=entry");
        Assert.Equal([Formula], await page.Locator("#event-log td.subject").AllInnerTextsAsync());
        await context.CloseAsync();
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task EventLog_Paged_NextPageContinuesWhereTheFirstEnded()
    {
        var page = await Central.SignInAsync(CentralSite.UserOf(Roles.Admin));
        await page.GotoAsync("/events?site=site-a");
        Assert.Equal(3, await page.Locator("#event-log td.subject").CountAsync());
        Assert.Equal(0, await page.Locator("#page-next").CountAsync());

        // Two per page through the query's cursor: the same filter, one page after another.
        var all = new List<string>();
        var store = Central.Central.Services.GetRequiredService<EventLog>();
        var user = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Role, Roles.Admin)], "test"));
        var query = store.Query(new EventLogFilter(Site: "site-a"), user, 2, [])!;
        var first = await store.PageAsync(query, true, default);
        var second = await store.PageAsync(query with { Cursor = first.NextCursor }, true, default);
        all.AddRange(first.Rows.Concat(second.Rows).Select(r => r.Event.Subject!));
        Assert.Equal(["E1003", "E1002", "E1001"], all);
        Assert.Null(second.NextCursor);
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task EventLog_ByDefault_IsInVietnamese()
    {
        var page = await Central.SignInAsync(CentralSite.UserOf(Roles.Manager));
        await page.GotoAsync("/events");

        Assert.Equal("vi", await page.GetAttributeAsync("html", "lang"));
        Assert.Equal("Nhật ký sự kiện", await page.InnerTextAsync("h1"));
        Assert.Equal("Nhật ký sự kiện", await page.InnerTextAsync("#nav-events"));
        Assert.Equal("Lọc", await page.InnerTextAsync("#filter"));
        Assert.Contains("Asia/Ho_Chi_Minh", await page.InnerTextAsync("label[for=f-from]"), StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("GATEKIOSK_SCREENSHOTS") is { Length: > 0 } folder)
        {
            await page.SetViewportSizeAsync(1280, 900);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "event-log.png"), FullPage = true });
        }

        await page.ClickAsync("#lang-en");
        await page.WaitForSelectorAsync("html[lang=en]");
        Assert.Equal("Event log", await page.InnerTextAsync("h1"));
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task EventLog_Viewer_SeesEventsWithoutPersonFilterOrSubjects()
    {
        var page = await Central.SignInAsync(CentralSite.UserOf(Roles.Viewer));
        await page.GotoAsync("/events?subject=E1001");

        Assert.Equal(5, await page.Locator("#event-log tbody tr").CountAsync());
        Assert.Equal(0, await page.Locator("#f-subject").CountAsync());
        Assert.Equal(0, await page.Locator("#event-log td.subject").CountAsync());
        Assert.Equal(0, await page.Locator("#export-csv").CountAsync());
        // (E1001 is in the page only as the filter the viewer typed, in the language form's return address.)
        var html = await page.InnerHTMLAsync("main");
        foreach (var subject in new[] { "E1001", "E1002", "E2001", "HYPERLINK" })
        {
            Assert.DoesNotContain(subject, html, StringComparison.Ordinal);
        }
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task EventLog_UserWithOneSite_SeesOnlyThatSite()
    {
        Assert.True(Central.Accounts.Add("site-b-guard", null, CentralSite.Password, Roles.Guard, ["site-b"]).Done);
        var page = await Central.SignInAsync("site-b-guard");

        await page.GotoAsync("/events");
        Assert.Equal(["E2001"], await page.Locator("#event-log td.subject").AllInnerTextsAsync());
        await page.GotoAsync("/events?site=site-a");
        Assert.Equal(0, await page.Locator("#event-log td.subject").CountAsync());
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task XlsxExport_DownloadedInTheBrowser_HoldsTheFilteredRows()
    {
        var page = await Central.SignInAsync(CentralSite.UserOf(Roles.Manager));
        await page.GotoAsync("/events?site=site-a");

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-xlsx"));
        Assert.EndsWith(".xlsx", download.SuggestedFilename, StringComparison.Ordinal);
        var rows = ReadSheet(await File.ReadAllBytesAsync((await download.PathAsync())!));

        Assert.Equal(GateKiosk.Central.Web.Exports.EventExport.Columns(true), rows[0].Select(c => c.Text));
        Assert.Equal(4, rows.Count);
        var subject = rows[0].FindIndex(c => c.Text == "subject");
        Assert.Equal(["E1003", "E1002", "E1001"], rows.Skip(1).Select(r => r[subject].Text));
        Assert.Equal(["2026-11-27 09:10:00", "2026-11-27 08:05:00", "2026-11-27 08:00:00"], rows.Skip(1).Select(r => r[0].Text));
        Assert.Equal("Asia/Ho_Chi_Minh", rows[1][1].Text);
        Assert.Equal("site-a", rows[1][3].Text);
        Assert.Equal(("3", true), (rows[1][5].Text, rows[1][5].Number)); // seq as a number
        Assert.Equal("none", rows[2][rows[0].FindIndex(c => c.Text == "timeSource")].Text);
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task Exports_SubjectIsAFormula_ComesOutAsTextInCsvAndXlsx()
    {
        var page = await Central.SignInAsync(CentralSite.UserOf(Roles.Admin));
        await page.GotoAsync("/events?site=site-f");

        var csvDownload = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-csv"));
        var csv = Encoding.UTF8.GetString(await File.ReadAllBytesAsync((await csvDownload.PathAsync())!)).TrimStart('\uFEFF');
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",", lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain(",=", lines[1], StringComparison.Ordinal);

        var xlsxDownload = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-xlsx"));
        var bytes = await File.ReadAllBytesAsync((await xlsxDownload.PathAsync())!);
        var rows = ReadSheet(bytes);
        var cell = rows[1][rows[0].FindIndex(c => c.Text == "subject")];
        Assert.Equal("'" + Formula, cell.Text);
        Assert.False(cell.Number);
        using var document = SpreadsheetDocument.Open(new MemoryStream(bytes), false);
        Assert.Empty(document.WorkbookPart!.WorksheetParts.Single().Worksheet.Descendants<CellFormula>());
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task Audit_SignInFailureSignInUserChangeAndExport_LeaveExactlyTheirRecords()
    {
        Central.AddUser("audit-admin", Roles.Admin);
        Central.AddUser("audit-target", Roles.Guard);
        var page = await Central.NewPageAsync();
        await page.GotoAsync("/signin");
        await page.FillAsync("#userName", "audit-admin");
        await page.FillAsync("#password", "not-the-password");
        await page.ClickAsync("#signin");
        await page.WaitForSelectorAsync("#signin-error");
        await CentralSite.SignInAsync(page, Central.Url, "audit-admin", CentralSite.Password);

        await page.GotoAsync("/users");
        var target = page.Locator("#users tr[data-user='audit-target']");
        await target.Locator("select[name=role]").SelectOptionAsync(Roles.Viewer);
        await target.Locator("button.set-role").ClickAsync();
        await page.WaitForSelectorAsync("#change-result");

        await page.GotoAsync("/events?site=site-a&decision=allow");
        await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-csv"));

        var audit = Central.Central.Services.GetRequiredService<IAuditLog>();
        var records = (await audit.GetAuditPageAsync(new AuditQuery(Actor: "audit-admin"))).Entries.Select(e => e.Record).Reverse().ToList();
        Assert.Equal(
            [
                (AuditActions.SignInFailed, "outcome=wrong-password"),
                (AuditActions.SignIn, "outcome=signed-in"),
                (AuditActions.UserRole, "user=audit-target role=viewer"),
                (AuditActions.ExportEvents, "format=csv site=site-a decision=allow rows=2"),
            ],
            records.Select(r => (r.Action, r.Detail)));
        Assert.All(records, r => Assert.Equal(IPAddress.Loopback.ToString(), r.Address));

        // The admin reads it on the audit page; nobody else may.
        await page.GotoAsync("/audit?actor=audit-admin");
        Assert.Equal(
            [AuditActions.ExportEvents, AuditActions.UserRole, AuditActions.SignIn, AuditActions.SignInFailed],
            await page.Locator("#audit tbody td.action").AllInnerTextsAsync());
        var manager = await Central.SignInAsync(CentralSite.UserOf(Roles.Manager));
        Assert.Equal(403, (await manager.GotoAsync("/audit"))!.Status);
        Assert.Equal(0, await manager.Locator("#nav-audit").CountAsync());
    }

    [SkippableTheory(Timeout = 120_000)]
    [InlineData(Roles.Guard)]
    [InlineData(Roles.Health)]
    [InlineData(Roles.Viewer)]
    public async Task ExportPage_RoleWithoutExports_Gets403AndNoAuditRecord(string role)
    {
        var page = await Central.SignInAsync(CentralSite.UserOf(role));
        Assert.Equal(200, (await page.GotoAsync("/events"))!.Status);

        var response = await page.Context.APIRequest.GetAsync("/events/export/csv", new APIRequestContextOptions { MaxRedirects = 0 });
        Assert.True(response.Status is 302 or 403, $"got {response.Status}");
        Assert.Contains("/denied", response.Headers.GetValueOrDefault("location") ?? response.Url, StringComparison.Ordinal);
        var audit = await Central.Central.Services.GetRequiredService<IAuditLog>().GetAuditPageAsync(new AuditQuery(Actor: CentralSite.UserOf(role), Action: AuditActions.ExportEvents));
        Assert.Empty(audit.Entries);
    }

    [Fact(Timeout = 60_000)]
    public async Task ApiExport_UnauthenticatedWrongRoleAndManager_401_403_AndTheFile()
    {
        using (var none = await Central.Http.GetAsync("/api/events/export?format=csv"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        }

        foreach (var role in new[] { Roles.Guard, Roles.Health, Roles.Viewer })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync("/api/events/export?format=csv", CentralSite.UserOf(role))).Status);
        }

        var (status, body) = await GetAsync("/api/events/export?format=csv&site=site-b", CentralSite.UserOf(Roles.Manager));
        Assert.Equal(HttpStatusCode.OK, status);
        var lines = Encoding.UTF8.GetString(body).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(",E2001,", lines[1], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync("/api/events/export?format=pdf", CentralSite.UserOf(Roles.Manager))).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/api/events?reason=expired&type=entry", CentralSite.UserOf(Roles.Manager))).Status);
    }

    private async Task<(HttpStatusCode Status, byte[] Body)> GetAsync(string path, string userName)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Central.TokenOf(userName).Token);
        using var response = await Central.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>Every row of the first sheet: each cell's text (inline, shared or number) and whether it is a number.</summary>
    internal static List<List<(string Text, bool Number)>> ReadSheet(byte[] xlsx)
    {
        using var document = SpreadsheetDocument.Open(new MemoryStream(xlsx), false);
        var workbook = document.WorkbookPart!;
        var shared = workbook.SharedStringTablePart?.SharedStringTable.Elements<SharedStringItem>().Select(i => i.InnerText).ToList() ?? [];
        return
        [
            .. workbook.WorksheetParts.Single().Worksheet.Descendants<Row>().Select(row => row.Elements<Cell>().Select(c =>
            {
                if (c.DataType?.Value == CellValues.InlineString)
                {
                    return (c.InlineString!.InnerText, false);
                }

                if (c.DataType?.Value == CellValues.SharedString)
                {
                    return (shared[int.Parse(c.CellValue!.Text, CultureInfo.InvariantCulture)], false);
                }

                return (c.CellValue?.Text ?? "", c.CellValue is not null);
            }).ToList()),
        ];
    }
}
