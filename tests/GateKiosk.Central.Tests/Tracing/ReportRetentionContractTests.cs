using System.Text;
using GateKiosk.Central.Retention;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Tracing;
using GateKiosk.Contracts;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Central.Tests.Tracing;

/// <summary>
/// The daily report's counts against counts computed in the test from the generated events, and the retention purge
/// (30 days): each backend's test class derives from this one.
/// </summary>
public abstract class ReportRetentionContractTests : IAsyncLifetime
{
    private static readonly string[] Reasons = [ReasonCodes.Expired, ReasonCodes.Revoked, ReasonCodes.WrongSite, "=HYPERLINK(\"x\")"];

    private readonly List<ICentralStore> _opened = [];

    /// <summary>The purge runs at 2026-11-27 08:00Z: events before 2026-10-28 08:00Z are older than the retention.</summary>
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    /// <summary>The store's clock: it starts before the generated days and moves to <see cref="Now"/> for the purge.</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 9, 1, 0, 0, 0, TimeSpan.Zero));

    protected abstract Task<ICentralStore> OpenStoreAsync(TimeProvider time);

    protected abstract Task DeleteStoreAsync();

    /// <summary>Rows of every table of the store in which any column holds <paramref name="needle"/> (as text, or within bytes).</summary>
    protected abstract Task<List<string>> FindInEveryTableAsync(string needle);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            store.Dispose();
        }

        await DeleteStoreAsync();
    }

    private async Task<ICentralStore> OpenAsync()
    {
        var store = await OpenStoreAsync(Time);
        _opened.Add(store);
        return store;
    }

    private static readonly SiteClock Clock = new(new TracingOptions().Zone);

    /// <summary>
    /// A generated stretch around one local day at two sites: entries in and out, allowed and denied for several
    /// reasons, people under two credential kinds, door events without a credential, some just outside the day.
    /// Subjects are <paramref name="prefix"/> + a number.
    /// </summary>
    private static Gates Generate(Gates gates, DateOnly day, string prefix, int seed)
    {
        var random = new Random(seed);
        var start = Clock.StartOf(day).AddHours(-6);
        for (var i = 0; i < 400; i++)
        {
            var site = random.Next(2) == 0 ? "site-1" : "site-2";
            var kiosk = "k" + random.Next(3);
            var at = start.AddMinutes(random.Next(36 * 60)).AddMilliseconds(random.Next(60_000));
            if (random.Next(10) == 0)
            {
                gates.Scan(site, kiosk, "", "", at, type: EventTypes.DoorOpened);
                continue;
            }

            var allow = random.Next(4) != 0;
            gates.Scan(
                site, kiosk, prefix + random.Next(40), random.Next(3) == 0 ? "out" : "in", at, allow,
                kind: random.Next(5) == 0 ? CredentialKinds.VisitorPass : CredentialKinds.Badge,
                reason: allow ? null : Reasons[random.Next(Reasons.Length)]);
        }

        return gates;
    }

    /// <summary>The day's counts, computed here from the generated events (not by the store).</summary>
    private static DailyCounts Expected(IEnumerable<EntryEvent> events, string site, DateOnly day)
    {
        var (start, end) = (Clock.StartOf(day), Clock.StartOf(day.AddDays(1)));
        var inDay = events.Where(e => e.SiteId == site && e.OccurredAt >= start && e.OccurredAt < end).ToList();
        var allowedIn = inDay.Where(e => e.Type == EventTypes.Entry && e.Decision == Decisions.Allow && e.Direction == "in").ToList();
        return new DailyCounts(
            allowedIn.Count,
            inDay.Where(e => e.Type == EventTypes.Entry && e.Decision == Decisions.Deny).GroupBy(e => e.Reason!).ToDictionary(g => g.Key, g => (long)g.Count()),
            allowedIn.Select(e => (e.Credential!.Kind, e.Credential.SubjectId)).Distinct().Count(),
            allowedIn.Count == 0 ? null : allowedIn.Min(e => e.OccurredAt),
            allowedIn.Count == 0 ? null : allowedIn.Max(e => e.OccurredAt),
            inDay.GroupBy(e => e.KioskId).ToDictionary(g => g.Key, g => (long)g.Count()));
    }

    private static string Show(DailyCounts c) =>
        $"allowed={c.EntriesAllowed} denied=[{string.Join(' ', c.DeniedByReason.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{p.Value}"))}] " +
        $"people={c.DistinctPeople} first={c.FirstEntry:O} last={c.LastEntry:O} " +
        $"kiosks=[{string.Join(' ', c.KioskEvents.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{p.Value}"))}]";

    private static Task<DailyCounts> CountsAsync(ICentralStore store, string site, DateOnly day) =>
        store.GetDailyCountsAsync(site, day, Clock.StartOf(day), Clock.StartOf(day.AddDays(1)));

    private RetentionService Retention(ICentralStore store)
    {
        if (Time.GetUtcNow() < Now)
        {
            Time.SetUtcNow(Now);
        }

        return new(store, store, Clock, Options.Create(new CentralOptions()), Time, NullLogger<RetentionService>.Instance);
    }

    private static readonly DateOnly OldDay = new(2026, 10, 1);
    private static readonly DateOnly RecentDay = new(2026, 11, 26);

    [SkippableFact]
    public async Task GetDailyCountsAsync_GeneratedDays_MatchCountsComputedInTheTest()
    {
        var store = await OpenAsync();
        var gates = Generate(Generate(new Gates(), OldDay, "old-", 1), RecentDay, "new-", 2);
        await gates.StoreAsync(store);

        foreach (var (site, day) in new[] { ("site-1", OldDay), ("site-2", OldDay), ("site-1", RecentDay), ("site-2", RecentDay), ("site-3", RecentDay) })
        {
            Assert.Equal(Show(Expected(gates.Events.Select(e => e.Entry), site, day)), Show(await CountsAsync(store, site, day)));
        }
    }

    [SkippableFact]
    public async Task PurgeAsync_OldEvents_NoPersonalFieldLeftAnywhereRecentUntouchedReportsUnchanged()
    {
        var store = await OpenAsync();

        // A rejected message quarantined on the old day, carrying an old subject.
        Time.SetUtcNow(Clock.StartOf(OldDay).AddHours(3));
        await store.QuarantineAsync(new RejectedMessage("gatekiosk/v1/site-1/k0/events", "site-1", "k0", "schema", Encoding.UTF8.GetBytes("{\"subjectId\":\"old-7\"}"), 21, new string('0', 64)));

        var gates = Generate(Generate(new Gates(), OldDay, "old-", 3), RecentDay, "new-", 4);
        await gates.StoreAsync(store);
        var before = new Dictionary<(string, DateOnly), string>();
        foreach (var site in new[] { "site-1", "site-2" })
        {
            foreach (var day in new[] { OldDay, RecentDay })
            {
                before[(site, day)] = Show(await CountsAsync(store, site, day));
            }
        }

        var recentBefore = await PayloadsAsync(store, Clock.StartOf(RecentDay).AddHours(-6));
        Assert.NotEmpty(await FindInEveryTableAsync("old-"));

        var result = await Retention(store).PurgeAsync();

        Assert.Equal(gates.Events.Count(e => e.Entry.Credential is not null && e.Entry.SiteId is not null && e.Entry.OccurredAt < result.Cutoff), result.Redacted);
        Assert.Equal(1, result.QuarantineDeleted);
        Assert.Empty(await FindInEveryTableAsync("old-"));
        Assert.Equal(recentBefore, await PayloadsAsync(store, Clock.StartOf(RecentDay).AddHours(-6)));
        foreach (var ((site, day), shown) in before)
        {
            Assert.Equal(shown, Show(await CountsAsync(store, site, day)));
        }

        Assert.Equal(Show(Expected(gates.Events.Select(e => e.Entry), "site-1", OldDay)), before[("site-1", OldDay)]);
        var audit = Assert.Single(await store.GetAuditAsync(), r => r.Action == "retention-purge");
        Assert.Contains($"events-redacted={result.Redacted}", audit.Detail, StringComparison.Ordinal);
        Assert.Empty((await store.GetPersonPresenceAsync(CredentialKinds.Badge, "old-1", OldDay.ToDateTime(TimeOnly.MinValue).AddDays(-2), Time.GetUtcNow().UtcDateTime, 1000)));

        // A second purge finds nothing more, and the old day's report still holds.
        var again = await Retention(store).PurgeAsync();
        Assert.Equal((0L, 0), (again.Redacted, again.QuarantineDeleted));
        Assert.Equal(before[("site-2", OldDay)], Show(await CountsAsync(store, "site-2", OldDay)));
    }

    [SkippableFact]
    public async Task PurgeAsync_RedactedEvents_ChainStillChecksWithoutBreaks()
    {
        var store = await OpenAsync();
        var gates = new Gates();
        var old = Clock.StartOf(OldDay).AddHours(2);
        for (var i = 0; i < 5; i++)
        {
            gates.Scan("site-1", "k0", "old-" + i, "in", old.AddMinutes(i));
        }

        var kept = gates.Events.ToList();
        await store.StoreAsync(kept.Take(4).ToList());

        var result = await Retention(store).PurgeAsync();

        Assert.Equal(4, result.Redacted);

        // The kiosk resends a redacted event (a duplicate, not a conflict), and the next event arrives: its prevHash is
        // the hash of the redacted event as it arrived, which central still holds.
        var resend = await store.StoreAsync([kept[1]]);
        Assert.Equal((0, 1), (resend.Added, resend.Duplicates));
        Assert.Empty(resend.Conflicts);
        var next = await store.StoreAsync([kept[4]]);
        Assert.Equal(1, next.Added);
        Assert.Empty(await store.GetChainBreaksAsync("site-1", "k0"));
        Assert.Empty(await store.GetGapsAsync("site-1", "k0"));
    }

    private static async Task<List<string>> PayloadsAsync(ICentralStore store, DateTimeOffset from)
    {
        var page = await store.GetEventsAsync(new EventQuery(From: from, Limit: 1000));
        return [.. page.Payloads.Select(p => Encoding.UTF8.GetString(p.Span))];
    }
}
