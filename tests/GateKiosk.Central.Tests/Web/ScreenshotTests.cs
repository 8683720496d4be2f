using System.Text.Json;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Declarations;
using GateKiosk.Central.Passes;
using GateKiosk.Central.People;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Tests.Health;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Journaling;
using GateKiosk.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;

namespace GateKiosk.Central.Tests.Web;

/// <summary>
/// The main pages of a central seeded with a day of a small factory (people, entries and exits, door events, kiosk
/// health, a pass), opened by an admin in Chromium: each is in Vietnamese. With <c>GATEKIOSK_SCREENSHOTS=DIR</c> each is
/// also saved as <c>DIR/{name}.png</c> (docs/images holds them; EventLogTests saves the event log).
/// </summary>
public sealed class ScreenshotTests(CentralSite site) : IClassFixture<CentralSite>
{
    private const string Site = "nha-may-1";

    /// <summary>Made-up people of the seeded site: employee id, name, department, badge.</summary>
    private static readonly (string Id, string Name, string Department, string Badge)[] Staff =
    [
        ("NV-1001", "Nguyễn Văn An", "Sản xuất", "B-1001"),
        ("NV-1002", "Trần Thị Bình", "Kho vận", "B-1002"),
        ("NV-1003", "Lê Minh Châu", "Kế toán", "B-1003"),
        ("NV-1004", "Phạm Quốc Dũng", "Bảo trì", "B-1004"),
        ("NV-1005", "Hoàng Thu Hà", "Nhân sự", "B-1005"),
        ("NV-1006", "Vũ Đức Khánh", "Sản xuất", "B-1006"),
    ];

    [SkippableFact(Timeout = 300_000)]
    public async Task MainPages_SeededSite_AreInVietnameseAndSavedAsScreenshots()
    {
        await SeedAsync();
        var folder = Environment.GetEnvironmentVariable("GATEKIOSK_SCREENSHOTS");
        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Admin));
        await page.SetViewportSizeAsync(1280, 860);
        var date = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddMinutes(-150), TimeZoneInfo.FindSystemTimeZoneById("Asia/Ho_Chi_Minh")).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var passId = site.Central.Services.GetRequiredService<SqlitePassStore>().Latest(1).Single().Id;
        (string Name, string Path, string Title)[] pages =
        [
            ("live", "/", "Trực tiếp"),
            ("presence", "/presence", "Đang có mặt"),
            ("muster", $"/muster?site={Site}", "Điểm danh khẩn cấp"),
            ("attendance", $"/attendance?site={Site}&from={date}&to={date}", "Chấm công"),
            ("people", "/people", "Nhân sự"),
            ("passes", "/passes", "Thẻ ra vào"),
            ("pass", $"/passes/{passId}", "Thẻ ra vào"),
            ("doors", "/doors", "Hướng cửa"),
            ("alarms", "/alarms", "Cảnh báo"),
            ("audit", "/audit", "Nhật ký kiểm tra"),
        ];
        foreach (var (name, path, title) in pages)
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(200, response!.Status);
            Assert.Equal("vi", await page.GetAttributeAsync("html", "lang"));
            Assert.Equal($"{title} — GateKiosk", await page.TitleAsync());
            if (folder is { Length: > 0 })
            {
                Directory.CreateDirectory(folder);
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = name != "people" && name != "audit" });
            }
        }
    }

    private async Task SeedAsync()
    {
        var services = site.Central.Services;
        var now = DateTimeOffset.UtcNow;
        services.GetRequiredService<SqliteSiteStore>().Add(new Site(Site, "Nhà máy số 1", "KCN Quế Võ, Bắc Ninh", "Asia/Ho_Chi_Minh", DeclarationForm.Default), now);
        var people = services.GetRequiredService<SqlitePeopleStore>();
        foreach (var (id, name, department, badge) in Staff)
        {
            people.Save(new StaffMember(0, id, name, department, [Site], [badge], "Mon–Sat 06:00–22:00"), now);
        }

        // Everyone came in at the main gate this morning; two left by the exit gate (which records scans as "in").
        var entries = Staff.Select((p, i) => (now.AddMinutes(-150 + (7 * i)), "in", p.Badge)).ToList();
        await StoreAsync("cong-chinh", [.. entries.Select(e => (e.Item1, EventTypes.Entry, (string?)e.Item2, (string?)e.Item3))]);
        await StoreAsync("cong-ra", [(now.AddMinutes(-40), EventTypes.Entry, "in", Staff[1].Badge), (now.AddMinutes(-25), EventTypes.Entry, "in", Staff[4].Badge), (now.AddMinutes(-15), EventTypes.DoorHeldOpen, null, null)]);
        await StoreAsync("cong-kho", [(now.AddMinutes(-70), EventTypes.DoorForced, null, null)]);
        services.GetRequiredService<KioskDoorStore>().Set(Site, "cong-ra", DoorDirections.Out, CentralSite.UserOf(Roles.Admin), now);
        services.GetRequiredService<KioskDoorStore>().Set(Site, "cong-chinh", DoorDirections.In, CentralSite.UserOf(Roles.Admin), now);

        var health = services.GetRequiredService<KioskHealthStore>();
        foreach (var kiosk in new[] { "cong-chinh", "cong-ra" })
        {
            health.SetStatus(new KioskStatus(KioskStatus.Online, kiosk, Site, "1.0.0", now));
            health.SetTelemetry(HealthSamples.Telemetry(Site, kiosk, now));
        }

        health.SetStatus(new KioskStatus(KioskStatus.Online, "cong-kho", Site, "1.0.0", now));
        health.SetTelemetry(HealthSamples.Telemetry(Site, "cong-kho", now) with
        {
            Scanner = new ScannerTelemetry("/dev/ttyUSB0", Connected: false, now.AddMinutes(-8), Reads: 40, DecodeFailures: 1, Disconnects: 1),
        });

        var keys = new IssuerKeyStore(services.GetRequiredService<IOptions<CentralOptions>>().Value.DataDirectory);
        if (keys.ActiveKeyId is null)
        {
            keys.Create(KeyAlgorithm.ES256);
        }

        var actor = new Actor(CentralSite.UserOf(Roles.Admin), "127.0.0.1", new SiteScope(true, new HashSet<string>()));
        var passes = services.GetRequiredService<PassService>();
        var tomorrow = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById("Asia/Ho_Chi_Minh")).AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True((await passes.IssueStaffAsync(Staff[0].Id, actor)).Done);
        Assert.True((await passes.IssueVisitorAsync(new VisitorPassInput("Đỗ Thị Khách", Staff[2].Id, tomorrow, Site, SingleUse: true), actor)).Done);
    }

    private async Task StoreAsync(string kiosk, (DateTimeOffset At, string Type, string? Direction, string? Badge)[] events)
    {
        var journal = new FakeEntryJournal(Site, kiosk);
        var batch = new List<(EntryEvent, ReadOnlyMemory<byte>)>();
        foreach (var (at, type, direction, badge) in events)
        {
            var published = journal.Append(new EventDraft
            {
                Type = type,
                OccurredAt = at,
                TimeSource = TimeSources.Ntp,
                Direction = direction,
                Decision = badge is null ? null : Decisions.Allow,
                Reason = badge is null ? null : ReasonCodes.Valid,
                Credential = badge is null ? null : new CredentialRef(CredentialKinds.Badge, "allowlist", badge),
                LatencyUs = badge is null ? null : 41_000,
            });
            batch.Add((JsonSerializer.Deserialize(published.Payload.Span, ContractsJsonContext.Default.EntryEvent)!, published.Payload));
        }

        Assert.Equal(events.Length, (await site.Central.Services.GetRequiredService<IIngestWriter>().StoreAsync(batch)).Added);
    }
}
