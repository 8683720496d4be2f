using System.Text;
using System.Text.Json;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Central.Tests.Storage;

/// <summary>
/// What every backend of central's store does, whatever holds the data: each backend's test class derives from this one
/// and opens its store. Opening again within one test opens the same data, as a restart of central does.
/// </summary>
public abstract class EventStoreContractTests : IAsyncLifetime
{
    private readonly List<ICentralStore> _opened = [];

    /// <summary>The store's clock (received times, status times).</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));

    /// <summary>Opens the store under test; within one test every call opens the same data.</summary>
    protected abstract Task<ICentralStore> OpenStoreAsync(TimeProvider time);

    /// <summary>Removes the test's data; called once every store the test opened is disposed.</summary>
    protected abstract Task DeleteStoreAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            store.Dispose();
        }

        await DeleteStoreAsync();
    }

    /// <summary>Opens the store under test (again, for a restart); disposed at the end of the test.</summary>
    protected async Task<ICentralStore> OpenAsync()
    {
        var store = await OpenStoreAsync(Time);
        _opened.Add(store);
        return store;
    }

    /// <summary>A kiosk's journal: events sealed in a valid chain, with the exact bytes it would publish.</summary>
    public sealed class KioskChain(string site = "site-1", string kiosk = "kiosk-1")
    {
        private readonly List<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> _all = [];

        public string Site => site;

        public string Kiosk => kiosk;

        /// <summary>Event <paramref name="seq"/> (1-based) of the chain, sealing as many as needed.</summary>
        public (EntryEvent Entry, ReadOnlyMemory<byte> Payload) this[long seq]
        {
            get
            {
                while (_all.Count < seq)
                {
                    var i = _all.Count + 1;
                    _all.Add(Seal(Draft(i), i, _all.Count == 0 ? EventChain.Genesis : EventChain.Hash(_all[^1].Payload.Span)));
                }

                return _all[(int)seq - 1];
            }
        }

        /// <summary>Events <paramref name="from"/>–<paramref name="to"/> of the chain.</summary>
        public List<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> Range(long from, long to) =>
            [.. Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => this[i])];

        /// <summary>An event at <paramref name="seq"/> chained to <paramref name="prevHash"/>, with its own id and content.</summary>
        public (EntryEvent Entry, ReadOnlyMemory<byte> Payload) Seal(EventDraft draft, long seq, string prevHash, Guid? eventId = null)
        {
            var bytes = EventChain.Serialize(EventChain.Seal(draft, site, kiosk, seq, prevHash, eventId ?? Guid.CreateVersion7()));
            return (JsonSerializer.Deserialize(bytes, ContractsJsonContext.Default.EntryEvent)!, bytes);
        }

        /// <summary>An entry by subject <c>E{i % 3}</c> at 08:00 + i minutes, allowed on even i.</summary>
        public static EventDraft Draft(int i, string? detail = null) => new()
        {
            Type = EventTypes.Entry,
            OccurredAt = new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero).AddMinutes(i),
            TimeSource = TimeSources.Ntp,
            Decision = i % 2 == 0 ? Decisions.Allow : Decisions.Deny,
            Reason = i % 2 == 0 ? ReasonCodes.Valid : ReasonCodes.Expired,
            Credential = new CredentialRef(CredentialKinds.Badge, "allowlist", $"E{i % 3}"),
            Detail = detail,
        };
    }

    private static async Task<KioskSummary> SummaryAsync(ICentralStore store, string site = "site-1", string kiosk = "kiosk-1") =>
        Assert.Single(await store.GetKiosksAsync(), k => k.SiteId == site && k.KioskId == kiosk);

    private static List<string> Texts(EventPage page) => [.. page.Payloads.Select(p => Encoding.UTF8.GetString(p.Span))];

    [Fact]
    public async Task StoreAsync_NewEvents_StoredAndSummarised()
    {
        var store = await OpenAsync();
        var chain = new KioskChain();

        var result = await store.StoreAsync(chain.Range(1, 3));

        Assert.Equal((3, 0), (result.Added, result.Duplicates));
        Assert.Empty(result.Conflicts);
        var summary = await SummaryAsync(store);
        Assert.Equal((3L, 3L, 0L, 0L), (summary.Events, summary.LastSeq, summary.Missing, summary.ChainBreaks));
        Assert.Equal(chain[3].Entry.OccurredAt, summary.LastEventAt);
        Assert.Equal("unknown", summary.State);
        Assert.Equal(new KioskLatest(3, Time.GetUtcNow()), await store.GetLatestAsync("site-1", "kiosk-1"));
        Assert.Null(await store.GetLatestAsync("site-1", "kiosk-2"));
        Assert.Empty(await store.GetChainBreaksAsync("site-1", "kiosk-1"));
    }

    [Fact]
    public async Task GetKiosks_NothingCommittedSince_SameListAgain_ACommitThroughAnotherStoreOnTheDataIsSeenAtOnce()
    {
        var reader = await OpenAsync();
        var writer = await OpenAsync();
        var chain = new KioskChain();
        await writer.StoreAsync(chain.Range(1, 2));

        var first = await reader.GetKiosksAsync();
        Assert.Same(first, await reader.GetKiosksAsync());
        Assert.Equal(2, Assert.Single(first).Events);

        await writer.StoreAsync(chain.Range(3, 3));
        Assert.Equal(3, (await SummaryAsync(reader)).Events);
        await writer.SetStatusAsync(new KioskStatus(KioskStatus.Online, "kiosk-1", "site-1", "1.2.3"));
        Assert.Equal("online", (await SummaryAsync(reader)).State);
        await writer.QuarantineAsync(new RejectedMessage("gatekiosk/v1/site-1/kiosk-2/events", "site-1", "kiosk-2", "not JSON", "{"u8.ToArray(), 1, new string('b', 64)));
        Assert.Equal(2, (await reader.GetKiosksAsync()).Count);
    }

    [Fact]
    public async Task StoreAsync_SameEventsAgain_DuplicatesChangeNothing()
    {
        var store = await OpenAsync();
        var chain = new KioskChain();
        await store.StoreAsync(chain.Range(1, 3));
        var before = await SummaryAsync(store);
        Time.Advance(TimeSpan.FromMinutes(5));

        var again = await store.StoreAsync(chain.Range(2, 4));

        Assert.Equal((1, 2), (again.Added, again.Duplicates));
        var after = await SummaryAsync(store);
        Assert.Equal(before with { Events = 4, LastSeq = 4, LastEventAt = chain[4].Entry.OccurredAt }, after);
        Assert.Equal(4, (await store.GetEventsAsync(new EventQuery())).Payloads.Count);
        Assert.Empty(await store.GetChainBreaksAsync("site-1", "kiosk-1"));
    }

    [Fact]
    public async Task StoreAsync_EventIdReusedWithOtherContent_ChainBreakFirstKept()
    {
        var store = await OpenAsync();
        var chain = new KioskChain();
        await store.StoreAsync(chain.Range(1, 2));
        var forged = chain.Seal(KioskChain.Draft(99, "edited"), 2, EventChain.Hash(chain[1].Payload.Span), chain[2].Entry.EventId);

        var result = await store.StoreAsync([forged]);

        Assert.Equal((0, 0), (result.Added, result.Duplicates));
        Assert.Equal([0], result.Conflicts);
        var summary = await SummaryAsync(store);
        Assert.Equal((2L, 2L, 0L, 1L), (summary.Events, summary.LastSeq, summary.Missing, summary.ChainBreaks));
        Assert.Equal((2L, ChainBreakKinds.EventIdReused), (await store.GetChainBreaksAsync("site-1", "kiosk-1")).Select(b => (b.Seq, b.Kind)).Single());
        Assert.Equal(Encoding.UTF8.GetString(chain[2].Payload.Span), Texts(await store.GetEventsAsync(new EventQuery(Limit: 1)))[0]);

        // The same forgery again records nothing new.
        await store.StoreAsync([forged]);
        Assert.Equal(1L, (await SummaryAsync(store)).ChainBreaks);
    }

    [Fact]
    public async Task StoreAsync_PrevHashOfAnotherEvent_ChainBreakAtThatSeq()
    {
        var store = await OpenAsync();
        var chain = new KioskChain();
        await store.StoreAsync([chain[1]]);

        await store.StoreAsync([chain.Seal(KioskChain.Draft(2), 2, EventChain.Genesis)]);

        Assert.Equal((2L, ChainBreakKinds.PrevHashMismatch), (await store.GetChainBreaksAsync("site-1", "kiosk-1")).Select(b => (b.Seq, b.Kind)).Single());
        Assert.Equal(1L, (await SummaryAsync(store)).ChainBreaks);
    }

    [Fact]
    public async Task StoreAsync_GapFilledLater_MissingCountedThenGone()
    {
        var store = await OpenAsync();
        var chain = new KioskChain();
        await store.StoreAsync(chain.Range(1, 2));
        await store.StoreAsync(chain.Range(6, 7));

        var gapped = await SummaryAsync(store);
        Assert.Equal((4L, 7L, 3L), (gapped.Events, gapped.LastSeq, gapped.Missing));
        Assert.Equal([new SeqRange(3, 5)], await store.GetGapsAsync("site-1", "kiosk-1"));

        await store.StoreAsync([chain[4]]);
        Assert.Equal(2L, (await SummaryAsync(store)).Missing);
        Assert.Equal([new SeqRange(3, 3), new SeqRange(5, 5)], await store.GetGapsAsync("site-1", "kiosk-1"));

        await store.StoreAsync([chain[3], chain[5]]);
        var filled = await SummaryAsync(store);
        Assert.Equal((7L, 7L, 0L, 0L), (filled.Events, filled.LastSeq, filled.Missing, filled.ChainBreaks));
        Assert.Empty(await store.GetGapsAsync("site-1", "kiosk-1"));
        Assert.Equal(new KioskLatest(7, Time.GetUtcNow()), await store.GetLatestAsync("site-1", "kiosk-1"));
    }

    [Fact]
    public async Task Reopen_AfterARestart_SummariesEventsAndBreaksKept_GapStillFillable()
    {
        var chain = new KioskChain();
        var other = new KioskChain("site-2", "kiosk-9");
        var first = await OpenAsync();
        await first.StoreAsync([chain[1], chain[2], chain[5]]);
        await first.StoreAsync(other.Range(1, 3));
        await first.StoreAsync([chain.Seal(KioskChain.Draft(1, "edited"), 1, EventChain.Genesis, chain[1].Entry.EventId)]);
        await first.SetStatusAsync(new KioskStatus(KioskStatus.Online, "kiosk-1", "site-1", "1.2.3"));
        var before = await first.GetKiosksAsync();
        first.Dispose();

        var second = await OpenAsync();

        Assert.Equal(before, await second.GetKiosksAsync());
        Assert.Equal(3, (await second.GetEventsAsync(new EventQuery(Site: "site-1"))).Payloads.Count);
        await second.StoreAsync(chain.Range(3, 4));
        var filled = await SummaryAsync(second);
        Assert.Equal((5L, 5L, 0L, 1L, "online"), (filled.Events, filled.LastSeq, filled.Missing, filled.ChainBreaks, filled.State));
    }

    [Fact]
    public async Task GetEventsAsync_Filters_NewestFirst_CursorPagesThroughEveryEventOnce()
    {
        var store = await OpenAsync();
        var a = new KioskChain();
        var b = new KioskChain("site-2", "kiosk-2");
        await store.StoreAsync(a.Range(1, 6));
        await store.StoreAsync(b.Range(1, 3));

        var pages = new List<string>();
        long? cursor = null;
        var count = 0;
        do
        {
            var page = await store.GetEventsAsync(new EventQuery(Site: "site-1", Limit: 4, Cursor: cursor));
            pages.AddRange(Texts(page));
            cursor = page.NextCursor;
            count++;
        }
        while (cursor is not null && count < 10);

        Assert.Equal(2, count);
        Assert.Equal(a.Range(1, 6).Select(e => Encoding.UTF8.GetString(e.Payload.Span)).Reverse(), pages);

        var subject = await store.GetEventsAsync(new EventQuery(Subject: "E1"));
        Assert.Equal(
            a.Range(1, 6).Concat(b.Range(1, 3)).Where(e => e.Entry.Credential!.SubjectId == "E1").Select(e => e.Entry.EventId).ToHashSet(),
            subject.Payloads.Select(p => JsonSerializer.Deserialize(p.Span, ContractsJsonContext.Default.EntryEvent)!.EventId).ToHashSet());

        var window = await store.GetEventsAsync(new EventQuery(Site: "site-1", Decision: Decisions.Deny, From: a[2].Entry.OccurredAt, To: a[5].Entry.OccurredAt));
        Assert.Equal([Encoding.UTF8.GetString(a[3].Payload.Span)], Texts(window)); // seqs 2–4 in the window, odd seqs denied
        Assert.Null(window.NextCursor);
        Assert.Empty((await store.GetEventsAsync(new EventQuery(Kiosk: "kiosk-3"))).Payloads);
    }

    [Fact]
    public async Task GetEventsAsync_OlderEventsStoredLater_PagesAreNewestFirstByWhenTheyHappened_EachOnce()
    {
        var store = await OpenAsync();
        var a = new KioskChain();
        var b = new KioskChain("site-1", "kiosk-2");

        // kiosk-2 was offline: its morning arrives after kiosk-1's later events. Two events happen at the same minute.
        await store.StoreAsync(a.Range(5, 9));
        await store.StoreAsync(b.Range(1, 6));
        await store.StoreAsync(a.Range(1, 4));

        var seen = new List<EntryEvent>();
        long? cursor = null;
        var pages = 0;
        do
        {
            var page = await store.GetEventsAsync(new EventQuery(Site: "site-1", Limit: 4, Cursor: cursor));
            seen.AddRange(page.Payloads.Select(p => JsonSerializer.Deserialize(p.Span, ContractsJsonContext.Default.EntryEvent)!));
            cursor = page.NextCursor;
        }
        while (cursor is not null && ++pages < 10);

        Assert.Equal(15, seen.Count);
        Assert.Equal(15, seen.Select(e => e.EventId).Distinct().Count());
        Assert.Equal(seen.Select(e => e.OccurredAt).OrderDescending(), seen.Select(e => e.OccurredAt));

        var window = await store.GetEventsAsync(new EventQuery(Site: "site-1", From: a[3].Entry.OccurredAt, To: a[5].Entry.OccurredAt, Limit: 10));
        Assert.Equal(4, window.Payloads.Count); // minutes 3 and 4 of both kiosks
    }

    [Fact]
    public async Task GetEventsAsync_ReasonTypeAndSites_FilterLikeTheOthers()
    {
        var store = await OpenAsync();
        var a = new KioskChain();
        var b = new KioskChain("site-2", "kiosk-2");
        var c = new KioskChain("site-3", "kiosk-3");
        await store.StoreAsync(a.Range(1, 4));
        await store.StoreAsync(b.Range(1, 2));
        await store.StoreAsync(c.Range(1, 2));
        static HashSet<Guid> Ids(EventPage page) => [.. page.Payloads.Select(p => JsonSerializer.Deserialize(p.Span, ContractsJsonContext.Default.EntryEvent)!.EventId)];

        var expired = await store.GetEventsAsync(new EventQuery(Reason: ReasonCodes.Expired));
        Assert.Equal([a[1].Entry.EventId, a[3].Entry.EventId, b[1].Entry.EventId, c[1].Entry.EventId], Ids(expired));
        Assert.Equal(8, (await store.GetEventsAsync(new EventQuery(Type: EventTypes.Entry))).Payloads.Count);
        Assert.Empty((await store.GetEventsAsync(new EventQuery(Type: EventTypes.DoorForced))).Payloads);

        var mine = await store.GetEventsAsync(new EventQuery(Sites: ["site-2", "site-3"]));
        Assert.Equal(b.Range(1, 2).Concat(c.Range(1, 2)).Select(e => e.Entry.EventId).ToHashSet(), Ids(mine));
        Assert.Empty((await store.GetEventsAsync(new EventQuery(Site: "site-1", Sites: ["site-2"]))).Payloads);
        Assert.Empty((await store.GetEventsAsync(new EventQuery(Sites: []))).Payloads);
    }

    [Fact]
    public async Task GetAuditPageAsync_ByActorAndAction_NewestFirstPagedWithAddresses()
    {
        var store = await OpenAsync();
        for (var i = 0; i < 5; i++)
        {
            await store.AppendAuditAsync(new AuditRecord(Time.GetUtcNow().AddMinutes(i), i % 2 == 0 ? "ana" : "binh", i < 3 ? "sign-in" : "export-events", $"n={i}", i == 4 ? null : "192.0.2.7"));
        }

        var first = await store.GetAuditPageAsync(new AuditQuery(Limit: 2));
        Assert.Equal(["n=4", "n=3"], first.Entries.Select(e => e.Record.Detail));
        Assert.Null(first.Entries[0].Record.Address);
        Assert.Equal("192.0.2.7", first.Entries[1].Record.Address);
        var second = await store.GetAuditPageAsync(new AuditQuery(Limit: 2, Cursor: first.NextCursor));
        Assert.Equal(["n=2", "n=1"], second.Entries.Select(e => e.Record.Detail));
        var last = await store.GetAuditPageAsync(new AuditQuery(Limit: 2, Cursor: second.NextCursor));
        Assert.Equal(["n=0"], last.Entries.Select(e => e.Record.Detail));
        Assert.Null(last.NextCursor);

        Assert.Equal(["n=4", "n=2", "n=0"], (await store.GetAuditPageAsync(new AuditQuery(Actor: "ana"))).Entries.Select(e => e.Record.Detail));
        Assert.Equal(["n=2", "n=0"], (await store.GetAuditPageAsync(new AuditQuery(Actor: "ana", Action: "sign-in"))).Entries.Select(e => e.Record.Detail));
    }

    [Fact]
    public async Task SetStatusAsync_KioskListedWithoutEvents_VersionKeptByTheWill()
    {
        var store = await OpenAsync();
        await store.SetStatusAsync(new KioskStatus(KioskStatus.Online, "kiosk-1", "site-1", "1.2.3"));
        Time.Advance(TimeSpan.FromMinutes(1));

        await store.SetStatusAsync(new KioskStatus(KioskStatus.Offline, "kiosk-1", "site-1"));

        var summary = await SummaryAsync(store);
        Assert.Equal((KioskStatus.Offline, "1.2.3", Time.GetUtcNow(), 0L, 0L), (summary.State, summary.Version, summary.StatusAt, summary.Events, summary.LastSeq));
        Assert.Null(summary.LastEventAt);
    }

    [Fact]
    public async Task QuarantineAsync_PrefixCut_CountedPerKioskAndInTotal_NewestFirst()
    {
        var store = await OpenAsync();
        var big = new byte[5000];
        await store.QuarantineAsync(new RejectedMessage("gatekiosk/v1/site-1/kiosk-1/events", "site-1", "kiosk-1", "not JSON", big, big.Length, new string('a', 64)));
        await store.QuarantineAsync(new RejectedMessage("elsewhere", null, null, "not a kiosk topic", "x"u8.ToArray(), 1, new string('b', 64)));

        var quarantined = await store.GetQuarantineAsync();

        Assert.Equal(["not a kiosk topic", "not JSON"], quarantined.Select(q => q.Reason));
        Assert.Equal((StoreLimits.QuarantinePrefixBytes, 5000L), (quarantined[1].Prefix.Length, quarantined[1].Size));
        Assert.Equal(2L, await store.GetRejectedTotalAsync());
        var summary = await SummaryAsync(store);
        Assert.Equal((1L, 0L, "unknown"), (summary.Rejected, summary.Events, summary.State));
        Assert.Single(await store.GetKiosksAsync());
    }

    [Fact]
    public async Task MarkUnrecoverableAsync_RangeNoLongerAGap_ArrivingLaterLeavesTheList()
    {
        var store = await OpenAsync();
        var chain = new KioskChain();
        await store.StoreAsync([chain[1], chain[4], chain[7]]);

        await store.MarkUnrecoverableAsync("site-1", "kiosk-1", new SeqRange(2, 3));

        Assert.Equal([new SeqRange(5, 6)], await store.GetGapsAsync("site-1", "kiosk-1"));
        Assert.Equal([new SeqRange(2, 3)], await store.GetUnrecoverableAsync("site-1", "kiosk-1"));
        var summary = await SummaryAsync(store);
        Assert.Equal((2L, 2L), (summary.Missing, summary.Unrecoverable));

        await store.StoreAsync(chain.Range(2, 3));
        Assert.Empty(await store.GetUnrecoverableAsync("site-1", "kiosk-1"));
        summary = await SummaryAsync(store);
        Assert.Equal((2L, 0L, 5L), (summary.Missing, summary.Unrecoverable, summary.Events));
    }

    [Fact]
    public async Task StoreAsync_EventDeclaringLostSeqs_RangeDeclaredLostNotMissing()
    {
        var store = await OpenAsync();
        var chain = new KioskChain();
        await store.StoreAsync(chain.Range(1, 3));
        var draft = KioskChain.Draft(10, "journal-tail-lost") with { Type = EventTypes.System, Decision = null, Reason = null, Credential = null, LostSeqs = new LostSeqRange(4, 9) };

        await store.StoreAsync([chain.Seal(draft, 10, EventChain.Hash(chain[3].Payload.Span))]);

        Assert.Equal([new SeqRange(4, 9)], await store.GetDeclaredLostAsync("site-1", "kiosk-1"));
        Assert.Empty(await store.GetGapsAsync("site-1", "kiosk-1"));
        Assert.Empty(await store.GetChainBreaksAsync("site-1", "kiosk-1"));
        var summary = await SummaryAsync(store);
        Assert.Equal((4L, 10L, 0L, 6L, 0L), (summary.Events, summary.LastSeq, summary.Missing, summary.DeclaredLost, summary.ChainBreaks));
    }

    [Fact]
    public async Task GetChainPageAsync_MoreGapsThanTheLimit_PagedByCursorToTheEnd()
    {
        var store = await OpenAsync();
        var chain = new KioskChain();
        await store.StoreAsync([.. Enumerable.Range(0, 6).Select(i => chain[1 + (2 * i)])]); // 1, 3, 5 … 11: gaps at 2, 4 … 10

        var first = await store.GetChainPageAsync("site-1", "kiosk-1", limit: 3);
        var second = await store.GetChainPageAsync("site-1", "kiosk-1", limit: 3, afterSeq: first.NextCursor!.Value);

        Assert.Equal([2L, 4, 6], first.Gaps.Select(g => g.From));
        Assert.Equal([8L, 10], second.Gaps.Select(g => g.From));
        Assert.Null(second.NextCursor);
    }
}
