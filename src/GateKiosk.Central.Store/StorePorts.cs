using GateKiosk.Contracts;

namespace GateKiosk.Central.Storage;

// Central's store, by role. Each backend (SQLite embedded, PostgreSQL for a province) implements all of them and passes
// the same contract tests (EventStoreContractTests). Writes go through IIngestWriter, IKioskStatusWriter, IQuarantine
// and IChainReports.MarkUnrecoverableAsync; a task that completes means the write is committed, a task that faults means
// nothing of it is stored. Reads never wait on writes in progress and see committed data only.

/// <summary>Stores kiosks' events in batches.</summary>
public interface IIngestWriter
{
    /// <summary>
    /// Stores events with their exact payload bytes, all or none. An <c>eventId</c> already stored with the same bytes is
    /// a duplicate (a resend) and changes nothing; with other bytes it is a conflict, recorded as a chain break
    /// (<see cref="ChainBreakKinds.EventIdReused"/>) and not stored. The per-kiosk summary is updated in the same commit.
    /// The task completes once the batch is committed (only then may the messages be acknowledged); any fault means
    /// nothing of the batch is stored.
    /// </summary>
    Task<StoreResult> StoreAsync(IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> events, CancellationToken cancellationToken = default);
}

/// <summary>Records the retained statuses kiosks publish.</summary>
public interface IKioskStatusWriter
{
    /// <summary>Records <paramref name="status"/> as the kiosk's latest; a status without a version keeps the known one.</summary>
    Task SetStatusAsync(KioskStatus status, CancellationToken cancellationToken = default);
}

/// <summary>Messages central rejected: kept aside (bounded) and counted per kiosk.</summary>
public interface IQuarantine
{
    /// <summary>
    /// Keeps <paramref name="message"/> aside (its prefix only), counts it against its kiosk when the topic names one
    /// (beyond <see cref="StoreLimits.RejectedMaxKiosks"/> kiosks, under an empty site and kiosk), and drops the oldest
    /// quarantined messages beyond <see cref="StoreLimits.QuarantineMaxRows"/> or <see cref="StoreLimits.QuarantineMaxBytes"/>.
    /// </summary>
    Task QuarantineAsync(RejectedMessage message, CancellationToken cancellationToken = default);

    /// <summary>The quarantined messages, newest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<QuarantinedMessage>> GetQuarantineAsync(int max = 100, CancellationToken cancellationToken = default);

    /// <summary>Messages rejected since the store was created (all kiosks, and those no kiosk could be named for).</summary>
    Task<long> GetRejectedTotalAsync(CancellationToken cancellationToken = default);
}

/// <summary>The events themselves, for <c>GET /api/events</c>.</summary>
public interface IEventQueries
{
    /// <summary>One page of events matching <paramref name="query"/>, newest first by when they happened (then as stored), at most <see cref="EventQuery.Limit"/>.</summary>
    Task<EventPage> GetEventsAsync(EventQuery query, CancellationToken cancellationToken = default);
}

/// <summary>Per-kiosk summaries, kept up to date as events arrive (never recounted from the events).</summary>
public interface IKioskSummaries
{
    /// <summary>Every kiosk heard of (by event, status or rejected message), with its status and what central holds of it.</summary>
    Task<IReadOnlyList<KioskSummary>> GetKiosksAsync(CancellationToken cancellationToken = default);

    /// <summary>The highest seq central holds of a kiosk and when it was received; null when none.</summary>
    Task<KioskLatest?> GetLatestAsync(string site, string kiosk, CancellationToken cancellationToken = default);
}

/// <summary>What central knows of each kiosk's sequence and hash chain.</summary>
public interface IChainReports
{
    /// <summary>
    /// Missing seq ranges of one kiosk (below its highest seq) that may still arrive, oldest first, at most
    /// <paramref name="max"/>, starting above <paramref name="afterSeq"/>; declared lost and unrecoverable ranges are not gaps.
    /// </summary>
    Task<IReadOnlyList<SeqRange>> GetGapsAsync(string site, string kiosk, int max = 100, long afterSeq = 0, CancellationToken cancellationToken = default);

    /// <summary>Breaks of one kiosk's hash chain above <paramref name="afterSeq"/>, by seq then kind, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<ChainBreak>> GetChainBreaksAsync(string site, string kiosk, int max = int.MaxValue, long afterSeq = 0, CancellationToken cancellationToken = default);

    /// <summary>Seq ranges central does not hold that the kiosk declared lost, oldest first; never asked for again.</summary>
    Task<IReadOnlyList<SeqRange>> GetDeclaredLostAsync(string site, string kiosk, int max = 100, long afterSeq = 0, CancellationToken cancellationToken = default);

    /// <summary>Missing ranges marked unrecoverable that are still missing, oldest first; a range that arrives after all leaves this list.</summary>
    Task<IReadOnlyList<SeqRange>> GetUnrecoverableAsync(string site, string kiosk, int max = 100, long afterSeq = 0, CancellationToken cancellationToken = default);

    /// <summary>Marks a missing range as one the kiosk cannot send: reported apart and no longer asked for.</summary>
    Task MarkUnrecoverableAsync(string site, string kiosk, SeqRange range, CancellationToken cancellationToken = default);
}

/// <summary>
/// Who was where, for contact tracing: allowed <c>entry</c> events with a direction (<c>in</c> or <c>out</c>) and a
/// credential subject, oldest first (by <c>occurredAt</c>, then as stored), with <c>occurredAt</c> in [since, until],
/// both ends included. Denied events, events without a subject and events whose personal fields were removed by
/// retention are never returned. At most max events.
/// </summary>
public interface ITracingQueries
{
    /// <summary>One person's (credential kind + subject id) allowed entries and exits at any site.</summary>
    Task<IReadOnlyList<PresenceEvent>> GetPersonPresenceAsync(string kind, string subject, DateTimeOffset since, DateTimeOffset until, int max, CancellationToken cancellationToken = default);

    /// <summary>Everyone's allowed entries and exits at one site.</summary>
    Task<IReadOnlyList<PresenceEvent>> GetSitePresenceAsync(string site, DateTimeOffset since, DateTimeOffset until, int max, CancellationToken cancellationToken = default);
}

/// <summary>The audit trail: append-only (the backends refuse updates and deletes), kept for good.</summary>
public interface IAuditLog
{
    /// <summary>Appends <paramref name="record"/>; the task completes once it is committed.</summary>
    Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default);

    /// <summary>The newest records, newest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<AuditRecord>> GetAuditAsync(int max = 100, CancellationToken cancellationToken = default);

    /// <summary>One page of records matching <paramref name="query"/>, newest first.</summary>
    Task<AuditPage> GetAuditPageAsync(AuditQuery query, CancellationToken cancellationToken = default);
}

/// <summary>Counts for the daily report of one site's local day.</summary>
public interface IReportQueries
{
    /// <summary>
    /// The counts of <paramref name="site"/>'s local day <paramref name="day"/>, which runs over [dayStart, dayEnd).
    /// Distinct people come from the count kept before retention removed the day's subjects, plus people in events that
    /// arrived after it was kept; every other count comes from the events, which retention keeps.
    /// </summary>
    Task<DailyCounts> GetDailyCountsAsync(string site, DateOnly day, DateTimeOffset dayStart, DateTimeOffset dayEnd, CancellationToken cancellationToken = default);
}

/// <summary>Retention's steps: keep each day's distinct people, then remove personal fields of old events in batches.</summary>
public interface IRetentionStore
{
    /// <summary>Each site holding events with a subject that occurred before <paramref name="cutoff"/>, with the oldest one's time.</summary>
    Task<IReadOnlyList<(string Site, DateTimeOffset Oldest)>> GetPersonalBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);

    /// <summary>The time of the oldest event with a subject at <paramref name="site"/> in [since, cutoff); null when none.</summary>
    Task<DateTimeOffset?> GetNextPersonalAsync(string site, DateTimeOffset since, DateTimeOffset cutoff, CancellationToken cancellationToken = default);

    /// <summary>
    /// Keeps the number of distinct people who entered <paramref name="site"/> on its local day <paramref name="day"/>
    /// ([dayStart, dayEnd)) before their subjects are removed: the people of events not counted before are added.
    /// </summary>
    Task KeepDailyPeopleAsync(string site, DateOnly day, DateTimeOffset dayStart, DateTimeOffset dayEnd, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes the personal fields (the subject and every credential field but kind and issuer, in the column and the
    /// payload) of at most <paramref name="batch"/> events that occurred before <paramref name="cutoff"/>, in one short
    /// transaction. The event keeps its stored hash and its chain verdict, so its neighbours still check against it.
    /// Returns how many events it changed (0 when none is left).
    /// </summary>
    Task<int> RedactBatchAsync(DateTimeOffset cutoff, int batch, CancellationToken cancellationToken = default);

    /// <summary>Deletes quarantined messages (which may hold personal fields) received before <paramref name="cutoff"/>; returns how many.</summary>
    Task<int> DeleteQuarantineBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);
}

/// <summary>The whole store: what central's host registers, and what each backend's contract tests open.</summary>
public interface ICentralStore : IIngestWriter, IKioskStatusWriter, IQuarantine, IEventQueries, IKioskSummaries, IChainReports, ITracingQueries, IAuditLog, IReportQueries, IRetentionStore, IDisposable
{
}

/// <summary>The paged chain report, built the same way over any backend's <see cref="IChainReports"/>.</summary>
public static class ChainReports
{
    /// <summary>
    /// One page of what central knows of a kiosk's sequence: gaps, breaks, declared and unrecoverable ranges whose first
    /// seq is above <paramref name="afterSeq"/> and at most the page's end. The page ends where one of the lists reaches
    /// <paramref name="limit"/> items, so no list is cut in the middle of the seqs the page covers; <c>NextCursor</c> is
    /// that end, or null on the last page.
    /// </summary>
    public static async Task<ChainPage> GetChainPageAsync(this IChainReports store, string site, string kiosk, int limit, long afterSeq = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var gaps = await store.GetGapsAsync(site, kiosk, limit + 1, afterSeq, cancellationToken).ConfigureAwait(false);
        var breaks = await store.GetChainBreaksAsync(site, kiosk, limit + 1, afterSeq, cancellationToken).ConfigureAwait(false);
        var declared = await store.GetDeclaredLostAsync(site, kiosk, limit + 1, afterSeq, cancellationToken).ConfigureAwait(false);
        var unrecoverable = await store.GetUnrecoverableAsync(site, kiosk, limit + 1, afterSeq, cancellationToken).ConfigureAwait(false);
        var end = long.MaxValue;
        foreach (var keys in new[] { gaps.Select(r => r.From).ToList(), breaks.Select(b => b.Seq).ToList(), declared.Select(r => r.From).ToList(), unrecoverable.Select(r => r.From).ToList() })
        {
            if (keys.Count > limit)
            {
                // Breaks share a seq (one per kind): end before the seq that would overflow the page, unless that empties it.
                var last = keys[limit - 1] == keys[limit] && keys[0] != keys[limit] ? keys[limit] - 1 : keys[limit - 1];
                end = Math.Min(end, last);
            }
        }

        var more = gaps.Any(r => r.From > end) || breaks.Any(b => b.Seq > end) || declared.Any(r => r.From > end) || unrecoverable.Any(r => r.From > end);
        return new ChainPage(
            [.. gaps.Where(r => r.From <= end)],
            [.. breaks.Where(b => b.Seq <= end)],
            [.. declared.Where(r => r.From <= end)],
            [.. unrecoverable.Where(r => r.From <= end)],
            more ? end : null);
    }
}
