using System.Globalization;
using System.Text.Json;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.People;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace GateKiosk.Central.Tests.Web;

/// <summary>People, presence, muster and attendance in a real Chromium, fed with real chained kiosk events through the store.</summary>
public sealed class PeopleBrowserTests(CentralSite site) : IClassFixture<CentralSite>
{
    private static readonly TimeZoneInfo Hanoi = TimeZoneInfo.FindSystemTimeZoneById("Asia/Ho_Chi_Minh");

    private SqlitePeopleStore People => site.Central.Services.GetRequiredService<SqlitePeopleStore>();

    [SkippableFact(Timeout = 120_000)]
    public async Task PeoplePage_ManagerAddsAPersonWithABadge_ListedStoredAdmittedAndAudited()
    {
        await StoreAsync("site-add", "gate-add", (DateTimeOffset.UtcNow.AddHours(-1), "in", "UNKNOWN-1"));
        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Manager));
        await page.GotoAsync("/people");

        await page.FillAsync("#employeeId", "NV-0042");
        await page.FillAsync("#name", "Nguyễn Thị Hoa");
        await page.FillAsync("#department", "Kho vận");
        await page.FillAsync("#sites", "site-add");
        await page.FillAsync("#badges", "B-4242");
        await page.FillAsync("#schedule", "T2–T6 07:00–19:00");
        await page.ClickAsync("#save-person");

        Assert.Equal("allow", await page.GetAttributeAsync("#people-result", "class"));
        var row = page.Locator("#people tr[data-employee='NV-0042'] td");
        Assert.Equal("Nguyễn Thị Hoa", await row.Nth(1).InnerTextAsync());
        Assert.Equal("B-4242", await row.Nth(4).InnerTextAsync());
        Assert.Equal("Mon–Fri 07:00–19:00", await row.Nth(5).InnerTextAsync());
        var person = People.FindByBadge("B-4242");
        Assert.NotNull(person);
        Assert.Equal(("NV-0042", "Nguyễn Thị Hoa", "Kho vận"), (person.EmployeeId, person.Name, person.Department));
        Assert.Contains("B-4242", await page.InnerTextAsync("#admits tr[data-kiosk='site-add/gate-add']"), StringComparison.Ordinal);

        var audit = await AuditAsync("person-add", $"person={person.Id} ");
        var record = Assert.Single(audit);
        Assert.Equal(CentralSite.UserOf(Roles.Manager), record.Actor);
        Assert.DoesNotContain("Hoa", record.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("B-4242", record.Detail, StringComparison.Ordinal);
        Assert.Contains("from=127.0.0.1", record.Detail, StringComparison.Ordinal);

        // A second person with the same badge is refused, and nothing of them is stored.
        await page.FillAsync("#employeeId", "NV-0043");
        await page.FillAsync("#name", "Someone Else");
        await page.FillAsync("#sites", "site-add");
        await page.FillAsync("#badges", "B-4242");
        await page.ClickAsync("#save-person");
        Assert.Equal("error", await page.GetAttributeAsync("#people-result", "class"));
        Assert.Null(People.FindByEmployeeId("NV-0043"));
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task MusterPage_OnePersonEnteredAndOneLeft_ListsOnlyTheOneInside()
    {
        var now = DateTimeOffset.UtcNow;
        AddPerson("NV-IN", "Trần Văn Ở", "site-mu", "BADGE-IN");
        AddPerson("NV-OUT", "Lê Thị Về", "site-mu", "BADGE-OUT");
        await StoreAsync("site-mu", "gate-mu", (now.AddMinutes(-90), "in", "BADGE-IN"), (now.AddMinutes(-80), "in", "BADGE-OUT"), (now.AddMinutes(-20), "out", "BADGE-OUT"));

        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Guard));
        await page.GotoAsync("/muster?site=site-mu");

        var rows = page.Locator("#muster tbody tr");
        Assert.Equal(1, await rows.CountAsync());
        Assert.Contains("Trần Văn Ở", await rows.Nth(0).InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("gate-mu", await rows.Nth(0).Locator("td").Nth(1).InnerTextAsync());
        var timeIn = TimeZoneInfo.ConvertTime(now.AddMinutes(-90), Hanoi).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        Assert.Equal(timeIn, await rows.Nth(0).Locator("td").Nth(2).InnerTextAsync());
        Assert.DoesNotContain("Lê Thị Về", await page.ContentAsync(), StringComparison.Ordinal);

        // The presence page says the same.
        await page.GotoAsync("/presence");
        var section = page.Locator(".presence-site[data-site='site-mu']");
        Assert.Contains("Trần Văn Ở", await section.InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("Lê Thị Về", await section.InnerTextAsync(), StringComparison.Ordinal);
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task MusterPage_GuardMarksSafe_ShowsWhoAndWhenAndAuditsOnce()
    {
        var now = DateTimeOffset.UtcNow;
        AddPerson("NV-SAFE", "Phạm Minh An", "site-safe", "BADGE-SAFE");
        await StoreAsync("site-safe", "gate-safe", (now.AddMinutes(-60), "in", "BADGE-SAFE"), (now.AddMinutes(-50), "in", "VISITOR-7"));

        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Guard));
        await page.GotoAsync("/muster?site=site-safe");
        Assert.Equal(2, await page.Locator("#muster button.mark-safe").CountAsync());

        var before = DateTimeOffset.UtcNow;
        await page.Locator("#muster tr[data-subject='BADGE-SAFE'] button.mark-safe").ClickAsync();
        await page.WaitForSelectorAsync("#muster tr[data-subject='BADGE-SAFE'] .safe-mark");

        var mark = await page.InnerTextAsync("#muster tr[data-subject='BADGE-SAFE'] .safe-mark");
        Assert.StartsWith(CentralSite.UserOf(Roles.Guard) + " lúc ", mark, StringComparison.Ordinal);
        var stored = Assert.Single(People.SafeMarks("site-safe", before.AddSeconds(-1)));
        Assert.Equal((CentralSite.UserOf(Roles.Guard), "BADGE-SAFE"), (stored.MarkedBy, stored.Subject));
        Assert.EndsWith(TimeZoneInfo.ConvertTime(stored.MarkedAt, Hanoi).ToString("HH:mm", CultureInfo.InvariantCulture), mark, StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator("#muster button.mark-safe").CountAsync()); // the visitor is still to be found

        var person = People.FindByBadge("BADGE-SAFE")!;
        var record = Assert.Single(await AuditAsync("mark-safe", "site=site-safe "));
        Assert.Equal(CentralSite.UserOf(Roles.Guard), record.Actor);
        Assert.Contains($"person={person.Id} ", record.Detail, StringComparison.Ordinal);
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task MusterPage_Printed_HasNoNavigationOrButtons()
    {
        await StoreAsync("site-print", "gate-print", (DateTimeOffset.UtcNow.AddMinutes(-30), "in", "BADGE-PRINT"));
        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Guard));
        await page.GotoAsync("/muster?site=site-print");

        await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Print });

        Assert.False(await page.IsVisibleAsync("header"));
        Assert.False(await page.IsVisibleAsync("#muster button.mark-safe"));
        Assert.True(await page.IsVisibleAsync("#muster tr[data-subject='BADGE-PRINT']"));
    }

    [SkippableTheory(Timeout = 120_000)]
    [InlineData(Roles.Viewer, false, false)]
    [InlineData(Roles.Health, false, false)]
    [InlineData(Roles.Guard, false, true)]
    [InlineData(Roles.Manager, true, true)]
    [InlineData(Roles.Admin, true, true)]
    public async Task Pages_EachRole_SeesPeopleAndMusterOnlyWhereAllowed(string role, bool people, bool muster)
    {
        var page = await site.SignInAsync(CentralSite.UserOf(role));

        foreach (var (path, allowed) in new[] { ("/people", people), ("/attendance", people), ("/presence", muster), ("/muster", muster), ("/muster?site=site-1", muster) })
        {
            var response = await page.GotoAsync(path);
            Assert.True((allowed ? 200 : 403) == response!.Status, $"{role} {path} → {response.Status}");
        }

        Assert.Equal(people ? 200 : 403, (await page.Context.APIRequest.GetAsync("/presence/export/csv")).Status);
        Assert.Equal(people ? 1 : 0, await page.Locator("#nav-people").CountAsync());
        Assert.Equal(muster ? 1 : 0, await page.Locator("#nav-muster").CountAsync());

        if (!people)
        {
            // A form posted to /people with this user's own anti-forgery token is still refused, and stores nothing.
            await page.GotoAsync("/account");
            var token = await page.GetAttributeAsync("#language-form input[name=__antiforgery]", "value");
            var post = await page.Context.APIRequest.PostAsync("/people", new APIRequestContextOptions
            {
                Form = FormOf(page.Context.APIRequest, ("__antiforgery", token!), ("id", "0"), ("employeeId", "FORGED-" + role), ("name", "Forged"), ("sites", "site-1")),
            });
            Assert.Equal(403, post.Status);
            Assert.Null(People.FindByEmployeeId("FORGED-" + role));
        }
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task PeopleExport_FormulaName_IsTextInTheCsvAndAudited()
    {
        AddPerson("NV-FORMULA", "=HYPERLINK(\"http://x\",\"y\")", "site-csv", "BADGE-CSV");
        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Manager));

        var response = await page.Context.APIRequest.GetAsync("/people?handler=Export");
        Assert.Equal(200, response.Status);
        Assert.StartsWith("text/csv", response.Headers["content-type"], StringComparison.Ordinal);
        var csv = System.Text.Encoding.UTF8.GetString(await response.BodyAsync()).TrimStart('\uFEFF');

        var line = Assert.Single(csv.Split("\r\n"), l => l.StartsWith("NV-FORMULA,", StringComparison.Ordinal));
        Assert.Equal("NV-FORMULA,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",,site-csv,BADGE-CSV,", line);
        var rows = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length - 1;
        var record = Assert.Single(await AuditAsync("people-export", "format=csv "), r => r.Actor == CentralSite.UserOf(Roles.Manager));
        Assert.Contains($"rows={rows} ", record.Detail, StringComparison.Ordinal);
    }

    [SkippableFact(Timeout = 180_000)]
    public async Task XlsxExports_PresenceAttendanceAndPeople_OpenWithTheirRowsAsTextAndAreAuditedWithFilterAndCount()
    {
        const string Formula = "=HYPERLINK(\"http://x\",\"y\")";
        var now = DateTimeOffset.UtcNow;
        AddPerson("NV-XLSX-1", Formula, "site-xlsx", "BADGE-XLSX-1");
        AddPerson("NV-XLSX-2", "Bùi Văn Xuất", "site-xlsx", "BADGE-XLSX-2");
        await StoreAsync("site-xlsx", "gate-xlsx", (now.AddMinutes(-50), "in", "BADGE-XLSX-1"), (now.AddMinutes(-45), "in", "BADGE-XLSX-2"), (now.AddMinutes(-10), "out", "BADGE-XLSX-2"));
        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Manager));

        // Presence: the one still inside, the formula as text, the door and time in.
        await page.GotoAsync("/presence");
        var presence = await DownloadSheetAsync(page, "#export-presence-xlsx");
        Assert.Equal(GateKiosk.Central.Web.Pages.PresenceExportModel.Columns, presence[0].Select(c => c.Text));
        var inside = Assert.Single(presence, r => r[0].Text == "site-xlsx");
        Assert.Equal(["site-xlsx", "NV-XLSX-1", "'" + Formula, "badge", "BADGE-XLSX-1", "gate-xlsx"], inside.Take(6).Select(c => c.Text));
        Assert.Equal(TimeZoneInfo.ConvertTime(now.AddMinutes(-50), Hanoi).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), inside[6].Text[..16]);
        Assert.Single(await AuditAsync("presence-export", $"format=xlsx site=* rows={presence.Count - 1} "));

        // Attendance over the days of those events: first in and last out of both.
        var from = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now.AddMinutes(-50), Hanoi).DateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var to = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now.AddMinutes(-10), Hanoi).DateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await page.GotoAsync($"/attendance?site=site-xlsx&from={from}&to={to}");
        var attendance = await DownloadSheetAsync(page, "#export-attendance-xlsx");
        Assert.Equal(GateKiosk.Central.Web.Pages.AttendanceModel.Columns, attendance[0].Select(c => c.Text));
        Assert.Equal(["'" + Formula, "Bùi Văn Xuất"], attendance.Skip(1).Select(r => r[3].Text).Order(StringComparer.Ordinal));
        var left = Assert.Single(attendance, r => r[5].Text == "BADGE-XLSX-2");
        Assert.Equal(TimeZoneInfo.ConvertTime(now.AddMinutes(-10), Hanoi).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), left[7].Text[..16]);
        Assert.Single(await AuditAsync("attendance-export", $"format=xlsx site=site-xlsx from={from} to={to} rows=2 "));

        // People: every person of the manager's sites, the formula as text.
        await page.GotoAsync("/people");
        var people = await DownloadSheetAsync(page, "#export-people-xlsx");
        Assert.Equal(PeopleCsv.Header, people[0].Select(c => c.Text));
        Assert.Equal(["NV-XLSX-1", "'" + Formula, "", "site-xlsx", "BADGE-XLSX-1"], Assert.Single(people, r => r[0].Text == "NV-XLSX-1").Take(5).Select(c => c.Text));
        Assert.Equal(People.List().Count, people.Count - 1);
        Assert.Single(await AuditAsync("people-export", $"format=xlsx scope=* rows={people.Count - 1} "));
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task PresenceExport_Guard_SeesNoExportAndIsRefused()
    {
        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Guard));
        await page.GotoAsync("/presence");
        Assert.Equal(0, await page.Locator("#export-presence-xlsx").CountAsync());

        var response = await page.Context.APIRequest.GetAsync("/presence/export/xlsx");
        Assert.Equal(403, response.Status);
        Assert.DoesNotContain(await AuditAsync("presence-export", ""), r => r.Actor == CentralSite.UserOf(Roles.Guard));
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task DoorsPage_ManagerSetsAnExitKioskToOut_PresenceAndAttendanceCountItsScansAsExitsAndTheChangeIsAudited()
    {
        var now = DateTimeOffset.UtcNow;
        AddPerson("NV-DOOR", "Lý Văn Cửa", "site-door", "BADGE-DOOR");

        // A kiosk without an exit reader records every scan as "in", also at the way out.
        await StoreAsync("site-door", "gate-in", (now.AddMinutes(-60), "in", "BADGE-DOOR"));
        await StoreAsync("site-door", "gate-exit", (now.AddMinutes(-30), "in", "BADGE-DOOR"));
        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Manager));
        await page.GotoAsync("/presence");
        Assert.Contains("Lý Văn Cửa", await page.InnerTextAsync(".presence-site[data-site='site-door']"), StringComparison.Ordinal);

        await page.GotoAsync("/doors");
        var row = page.Locator("#doors tr[data-kiosk='site-door/gate-exit']");
        Assert.Equal(DoorDirections.Both, await row.GetAttributeAsync("data-direction"));
        await row.Locator("select[name=direction]").SelectOptionAsync(DoorDirections.Out);
        await row.Locator("button.save-door").ClickAsync();

        Assert.Equal("allow", await page.GetAttributeAsync("#doors-result", "class"));
        Assert.Equal(DoorDirections.Out, await page.GetAttributeAsync("#doors tr[data-kiosk='site-door/gate-exit']", "data-direction"));
        Assert.Equal(DoorDirections.Both, await page.GetAttributeAsync("#doors tr[data-kiosk='site-door/gate-in']", "data-direction"));
        var record = Assert.Single(await AuditAsync("door-direction", "site=site-door kiosk=gate-exit "));
        Assert.Contains("direction=out", record.Detail, StringComparison.Ordinal);

        await page.GotoAsync("/presence");
        Assert.DoesNotContain("Lý Văn Cửa", await page.InnerTextAsync(".presence-site[data-site='site-door']"), StringComparison.Ordinal);
        await page.GotoAsync("/muster?site=site-door");
        Assert.Equal(0, await page.Locator("#muster tr[data-subject='BADGE-DOOR']").CountAsync());

        var date = TimeZoneInfo.ConvertTime(now.AddMinutes(-30), Hanoi).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await page.GotoAsync($"/attendance?site=site-door&from={date}&to={date}");
        Assert.Equal(
            TimeZoneInfo.ConvertTime(now.AddMinutes(-30), Hanoi).ToString("HH:mm", CultureInfo.InvariantCulture),
            await page.InnerTextAsync($"#attendance tr[data-subject='BADGE-DOOR'] .last-out"));

        var guard = await site.SignInAsync(CentralSite.UserOf(Roles.Guard));
        Assert.Equal(403, (await guard.GotoAsync("/doors"))!.Status);
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task PresencePage_PersonRenamedOrRemovedAfterItWasShown_ShowsTheChange()
    {
        AddPerson("NV-REN", "Tên Cũ", "site-ren", "BADGE-REN");
        await StoreAsync("site-ren", "gate-ren", (DateTimeOffset.UtcNow.AddMinutes(-30), "in", "BADGE-REN"));
        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Guard));
        await page.GotoAsync("/presence");
        Assert.Contains("Tên Cũ", await page.InnerTextAsync(".presence-site[data-site='site-ren']"), StringComparison.Ordinal);

        var person = People.FindByEmployeeId("NV-REN")!;
        Assert.NotNull(People.Save(person with { Name = "Tên Mới" }, DateTimeOffset.UtcNow));
        await page.GotoAsync("/presence");
        Assert.Contains("Tên Mới", await page.InnerTextAsync(".presence-site[data-site='site-ren']"), StringComparison.Ordinal);

        Assert.True(People.Remove(person.Id));
        await page.GotoAsync("/presence");
        var text = await page.InnerTextAsync(".presence-site[data-site='site-ren']");
        Assert.DoesNotContain("Tên Mới", text, StringComparison.Ordinal);
        Assert.Contains("badge BADGE-REN", text, StringComparison.Ordinal);
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task AttendancePage_ThreeEventsInADay_ShowsFirstInAndLastOutAndExportsThem()
    {
        AddPerson("NV-ATT", "Đỗ Thu Hà", "site-att", "BADGE-ATT");
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Hanoi).DateTime).AddDays(-2);
        DateTimeOffset At(int h, int m) => new(day.ToDateTime(new TimeOnly(h, m)), TimeSpan.FromHours(7));
        await StoreAsync("site-att", "gate-att", (At(7, 58), "in", "BADGE-ATT"), (At(13, 2), "in", "BADGE-ATT"), (At(17, 31), "out", "BADGE-ATT"));
        var date = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Manager));
        await page.GotoAsync($"/attendance?site=site-att&from={date}&to={date}");

        var row = page.Locator($"#attendance tr[data-subject='BADGE-ATT'][data-date='{date}']");
        Assert.Equal(1, await row.CountAsync());
        Assert.Equal("Đỗ Thu Hà", await row.Locator("td").Nth(2).InnerTextAsync());
        Assert.Equal("07:58", await row.Locator(".first-in").InnerTextAsync());
        Assert.Equal("17:31", await row.Locator(".last-out").InnerTextAsync());

        var export = await page.Context.APIRequest.GetAsync((await page.GetAttributeAsync("#export-attendance", "href"))!);
        var csv = System.Text.Encoding.UTF8.GetString(await export.BodyAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("date,site,employee_id,name,credential_kind,subject,first_in,last_out", csv[0]);
        Assert.Equal($"{date},site-att,NV-ATT,Đỗ Thu Hà,badge,BADGE-ATT,{date} 07:58:00 +07:00,{date} 17:31:00 +07:00", Assert.Single(csv[1..]));
        var record = Assert.Single(await AuditAsync("attendance-export", "site=site-att "));
        Assert.Contains($"from={date} to={date} rows=1", record.Detail, StringComparison.Ordinal);
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task Pages_UserOfOneSite_SeeAndChangeOnlyThatSite()
    {
        var now = DateTimeOffset.UtcNow;
        Assert.True(site.Accounts.Add("guard-of-x", "Guard X", CentralSite.Password, Roles.Guard, ["site-x"]).Done);
        Assert.True(site.Accounts.Add("manager-of-x", "Manager X", CentralSite.Password, Roles.Manager, ["site-x"]).Done);
        AddPerson("NV-X", "Người Ở X", "site-x", "BADGE-X");
        AddPerson("NV-Y", "Người Ở Y", "site-y", "BADGE-Y");
        await StoreAsync("site-x", "gate-x", (now.AddMinutes(-40), "in", "BADGE-X"));
        await StoreAsync("site-y", "gate-y", (now.AddMinutes(-40), "in", "BADGE-Y"));

        var guard = await site.SignInAsync("guard-of-x");
        Assert.Equal(403, (await guard.GotoAsync("/muster?site=site-y"))!.Status);
        await guard.GotoAsync("/presence");
        Assert.Equal(["site-x"], await guard.Locator(".presence-site").EvaluateAllAsync<string[]>("s => s.map(e => e.dataset.site)"));

        var manager = await site.SignInAsync("manager-of-x");
        await manager.GotoAsync("/people");
        Assert.Equal(1, await manager.Locator("#people tr[data-employee='NV-X']").CountAsync());
        Assert.Equal(0, await manager.Locator("#people tr[data-employee='NV-Y']").CountAsync());
        await manager.FillAsync("#employeeId", "NV-Y2");
        await manager.FillAsync("#name", "Not Mine");
        await manager.FillAsync("#sites", "site-y");
        await manager.ClickAsync("#save-person");
        Assert.Equal("error", await manager.GetAttributeAsync("#people-result", "class"));
        Assert.Null(People.FindByEmployeeId("NV-Y2"));
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task PeoplePage_ImportCsv_AddsAndUpdatesRowsAndListsTheRefused()
    {
        AddPerson("NV-IMP-1", "Old Name", "site-imp", "BADGE-IMP-1");
        var csv = "employee_id,name,department,sites,badges,schedule\r\n"
            + "NV-IMP-1,Tên Mới,Kế toán,site-imp,BADGE-IMP-1 BADGE-IMP-9,Mon-Fri 07:00-19:00\r\n"
            + "NV-IMP-2,\"Vũ, Thị Lan\",,site-imp,BADGE-IMP-2,\r\n"
            + "NV-IMP-3,Bad Badge,,site-imp,not/a/badge,\r\n";
        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Manager));
        await page.GotoAsync("/people");

        await page.SetInputFilesAsync("#import-file", new FilePayload { Name = "staff.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await page.ClickAsync("#import-people");

        Assert.Equal("Đã thêm 1, cập nhật 1, bỏ qua 1 dòng.", await page.InnerTextAsync("#people-result"));
        Assert.StartsWith("Dòng 4: ", await page.InnerTextAsync("#import-errors li"), StringComparison.Ordinal);
        var updated = People.FindByEmployeeId("NV-IMP-1")!;
        Assert.Equal(("Tên Mới", "Kế toán", "Mon–Fri 07:00–19:00"), (updated.Name, updated.Department, updated.Schedule));
        Assert.Equal(["BADGE-IMP-1", "BADGE-IMP-9"], updated.Badges);
        Assert.Equal("Vũ, Thị Lan", People.FindByBadge("BADGE-IMP-2")!.Name);
        Assert.Null(People.FindByEmployeeId("NV-IMP-3"));
        Assert.Single(await AuditAsync("people-import", "added=1 changed=1 refused=1 "));
    }

    /// <summary>Clicks an XLSX export link, checks the download opens as a workbook without formulas, and returns its rows.</summary>
    private static async Task<List<List<(string Text, bool Number)>>> DownloadSheetAsync(IPage page, string link)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync(link));
        Assert.EndsWith(".xlsx", download.SuggestedFilename, StringComparison.Ordinal);
        var bytes = await File.ReadAllBytesAsync((await download.PathAsync())!);
        using (var document = DocumentFormat.OpenXml.Packaging.SpreadsheetDocument.Open(new MemoryStream(bytes), false))
        {
            Assert.Empty(document.WorkbookPart!.WorksheetParts.Single().Worksheet.Descendants<DocumentFormat.OpenXml.Spreadsheet.CellFormula>());
        }

        return EventLogTests.ReadSheet(bytes);
    }

    private void AddPerson(string employeeId, string name, string siteId, string badge) =>
        Assert.NotNull(People.Save(new StaffMember(0, employeeId, name, "", [siteId], [badge], ""), DateTimeOffset.UtcNow));

    private async Task<List<AuditRecord>> AuditAsync(string action, string detailContains) =>
        [.. (await site.Central.Services.GetRequiredService<IAuditLog>().GetAuditAsync(10_000))
            .Where(r => r.Action == action && r.Detail.Contains(detailContains, StringComparison.Ordinal))];

    /// <summary>Allowed badge entries and exits of one kiosk, sealed and chained as a kiosk does, stored as the collector stores them.</summary>
    private async Task StoreAsync(string siteId, string kioskId, params (DateTimeOffset At, string Direction, string Badge)[] entries)
    {
        var journal = new FakeEntryJournal(siteId, kioskId);
        var batch = new List<(EntryEvent, ReadOnlyMemory<byte>)>();
        foreach (var (at, direction, badge) in entries)
        {
            var published = journal.Append(new EventDraft
            {
                Type = EventTypes.Entry,
                OccurredAt = at,
                TimeSource = TimeSources.Ntp,
                Direction = direction,
                Decision = Decisions.Allow,
                Reason = ReasonCodes.Valid,
                Credential = new CredentialRef(CredentialKinds.Badge, "allowlist", badge),
            });
            batch.Add((JsonSerializer.Deserialize(published.Payload.Span, ContractsJsonContext.Default.EntryEvent)!, published.Payload));
        }

        var result = await site.Central.Services.GetRequiredService<IIngestWriter>().StoreAsync(batch);
        Assert.Equal(entries.Length, result.Added);
    }

    private static IFormData FormOf(IAPIRequestContext request, params (string Name, string Value)[] fields)
    {
        var form = request.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Set(name, value);
        }

        return form;
    }
}
