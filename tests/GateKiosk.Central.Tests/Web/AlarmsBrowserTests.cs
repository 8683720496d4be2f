using System.Text.Json;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Tests.Health;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GateKiosk.Central.Tests.Web;

/// <summary>The alarms page in a real Chromium, fed with door events through the store and kiosk health as the collector records it.</summary>
public sealed class AlarmsBrowserTests(CentralSite site) : IClassFixture<CentralSite>
{
    private KioskHealthStore Health => site.Central.Services.GetRequiredService<KioskHealthStore>();

    [SkippableFact(Timeout = 120_000)]
    public async Task AlarmsPage_EachKindOfAlarm_IsListedAndAGuardAcknowledgesOneWithWhoAndWhenAudited()
    {
        var now = DateTimeOffset.UtcNow;
        await StoreDoorEventsAsync("site-al", "gate-door", (now.AddMinutes(-20), EventTypes.DoorForced), (now.AddMinutes(-10), EventTypes.DoorHeldOpen), (now.AddHours(-30), EventTypes.DoorForced));
        Health.SetStatus(new KioskStatus(KioskStatus.Offline, "gate-off", "site-al", At: now));
        Health.SetStatus(new KioskStatus(KioskStatus.Online, "gate-reader", "site-al", At: now));
        Health.SetTelemetry(HealthSamples.Telemetry("site-al", "gate-reader", now) with
        {
            Scanner = new ScannerTelemetry("/dev/input/event3", Connected: false, now.AddMinutes(-5), Reads: 10, DecodeFailures: 0, Disconnects: 2),
        });
        Health.SetStatus(new KioskStatus(KioskStatus.Online, "gate-full", "site-al", At: now));
        Health.SetTelemetry(HealthSamples.Telemetry("site-al", "gate-full", now) with
        {
            Journal = new JournalTelemetry(UsedBytes: 900, MaxBytes: 1000, JournalTelemetry.Alarm),
        });
        Health.SetStatus(new KioskStatus(KioskStatus.Online, "gate-fine", "site-al", At: now));
        Health.SetTelemetry(HealthSamples.Telemetry("site-al", "gate-fine", now));

        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Guard));
        await page.GotoAsync("/alarms");

        var rows = page.Locator("#alarms tbody tr[data-kiosk^='site-al/']");
        var listed = await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.kind + ' ' + r.dataset.kiosk).sort()");
        Assert.Equal(
            [
                "door-forced site-al/gate-door", "door-held-open site-al/gate-door", "journal-pressure site-al/gate-full",
                "kiosk-offline site-al/gate-off", "reader-lost site-al/gate-reader",
            ],
            listed);
        Assert.Equal("Mất đầu đọc", (await page.InnerTextAsync("#alarms tr[data-kind='reader-lost'][data-kiosk='site-al/gate-reader'] td")).Split(" (")[0]);

        var forced = page.Locator("#alarms tr[data-kind='door-forced'][data-kiosk='site-al/gate-door']");
        await forced.Locator("button.ack-alarm").ClickAsync();

        Assert.Equal("allow", await page.GetAttributeAsync("#alarms-result", "class"));
        var mark = await page.InnerTextAsync("#alarms tr[data-kind='door-forced'][data-kiosk='site-al/gate-door'] .ack-mark");
        Assert.StartsWith(CentralSite.UserOf(Roles.Guard) + " xác nhận lúc ", mark, StringComparison.Ordinal);
        Assert.Equal(4, await page.Locator("#alarms tr.alarm-open[data-kiosk^='site-al/'] button.ack-alarm").CountAsync());
        var record = Assert.Single(await AuditAsync("alarm-ack", "kind=door-forced site=site-al kiosk=gate-door "));
        Assert.Equal(CentralSite.UserOf(Roles.Guard), record.Actor);

        // The same alarm again, or one that is not on the list, is refused and records nothing.
        var token = await page.GetAttributeAsync("#alarms form input[name=__antiforgery]", "value");
        foreach (var key in new[] { (await forced.GetAttributeAsync("data-key"))!, "event:00000000-0000-0000-0000-000000000000" })
        {
            var form = page.Context.APIRequest.CreateFormData();
            form.Set("__antiforgery", token!);
            form.Set("key", key);
            var post = await page.Context.APIRequest.PostAsync("/alarms?handler=Ack", new() { Form = form });
            Assert.Contains("<p class=\"error\" id=\"alarms-result\"", await post.TextAsync(), StringComparison.Ordinal);
        }

        Assert.Single(await AuditAsync("alarm-ack", "site=site-al "));
    }

    [SkippableTheory(Timeout = 120_000)]
    [InlineData(Roles.Admin, 200)]
    [InlineData(Roles.Manager, 200)]
    [InlineData(Roles.Health, 403)]
    [InlineData(Roles.Viewer, 403)]
    public async Task AlarmsPage_ByRole_OnlyForTheLiveRoles(string role, int status)
    {
        var page = await site.SignInAsync(CentralSite.UserOf(role));
        Assert.Equal(status, (await page.GotoAsync("/alarms"))!.Status);
        Assert.Equal(status == 200 ? 1 : 0, await page.Locator("#nav-alarms").CountAsync());
    }

    private async Task<List<AuditRecord>> AuditAsync(string action, string detailContains) =>
        [.. (await site.Central.Services.GetRequiredService<IAuditLog>().GetAuditAsync(10_000))
            .Where(r => r.Action == action && r.Detail.Contains(detailContains, StringComparison.Ordinal))];

    private async Task StoreDoorEventsAsync(string siteId, string kioskId, params (DateTimeOffset At, string Type)[] doorEvents)
    {
        var journal = new FakeEntryJournal(siteId, kioskId);
        var batch = new List<(EntryEvent, ReadOnlyMemory<byte>)>();
        foreach (var (at, type) in doorEvents)
        {
            var published = journal.Append(new EventDraft { Type = type, OccurredAt = at, TimeSource = TimeSources.Ntp });
            batch.Add((JsonSerializer.Deserialize(published.Payload.Span, ContractsJsonContext.Default.EntryEvent)!, published.Payload));
        }

        Assert.Equal(doorEvents.Length, (await site.Central.Services.GetRequiredService<IIngestWriter>().StoreAsync(batch)).Added);
    }
}
