using System.Text.Json;

namespace GateKiosk.Central.Storage;

/// <summary>Filters of <c>GET /api/events</c> and the event log page; a null filter takes every value.</summary>
/// <param name="From">Events that occurred at or after this time.</param>
/// <param name="To">Events that occurred before this time.</param>
/// <param name="Reason">The event's reason code (for system events the kiosk's reason, if any).</param>
/// <param name="Type">One of the contract's event types.</param>
/// <param name="Sites">Only these sites (a user's sites); null for every site, empty for none.</param>
public sealed record EventQuery(
    string? Site = null,
    string? Kiosk = null,
    string? Subject = null,
    string? Decision = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    int Limit = 100,
    long? Cursor = null,
    string? Reason = null,
    string? Type = null,
    IReadOnlyList<string>? Sites = null);

/// <summary>One row of <c>GET /api/kiosks</c>.</summary>
/// <param name="Missing">Sequence numbers below <paramref name="LastSeq"/> that central does not hold and may still receive.</param>
/// <param name="ChainBreaks">Places where the hash chain does not hold (an edited, replaced or re-used event).</param>
/// <param name="DeclaredLost">Sequence numbers central does not hold that the kiosk declared lost (or never used).</param>
public sealed record KioskSummary(
    string SiteId,
    string KioskId,
    string State,
    string? Version,
    DateTimeOffset? StatusAt,
    long Events,
    long LastSeq,
    DateTimeOffset? LastEventAt,
    long Missing,
    long ChainBreaks = 0,
    long DeclaredLost = 0)
{
    /// <summary>Messages on this kiosk's topics that were not valid events or statuses of it (kept in quarantine).</summary>
    public long Rejected { get; init; }

    /// <summary>Sequence numbers central does not hold that the kiosk answered it cannot send; no longer asked for.</summary>
    public long Unrecoverable { get; init; }
}

/// <summary>What <see cref="IIngestWriter.StoreAsync"/> did with a list of events.</summary>
/// <param name="Added">Events stored.</param>
/// <param name="Duplicates">Events already stored with the same bytes (a resend or a redelivery).</param>
/// <param name="Conflicts">Indexes of events whose eventId was already stored with other bytes (not stored; a chain break).</param>
public sealed record StoreResult(int Added, int Duplicates, IReadOnlyList<int> Conflicts);

/// <summary>A message central did not store, kept aside for inspection.</summary>
/// <param name="Prefix">The message's first bytes (at most <see cref="StoreLimits.QuarantinePrefixBytes"/>).</param>
public sealed record QuarantinedMessage(DateTimeOffset ReceivedAt, string Topic, string? SiteId, string? KioskId, string Reason, long Size, string Sha256, byte[] Prefix);

/// <summary>One page of a kiosk's chain report (see <see cref="ChainReports.GetChainPageAsync"/>).</summary>
public sealed record ChainPage(
    IReadOnlyList<SeqRange> Gaps,
    IReadOnlyList<ChainBreak> Breaks,
    IReadOnlyList<SeqRange> DeclaredLost,
    IReadOnlyList<SeqRange> Unrecoverable,
    long? NextCursor);

/// <summary>A range of sequence numbers, both ends included.</summary>
public sealed record SeqRange(long From, long To);

/// <summary>A place where a kiosk's hash chain does not hold.</summary>
/// <param name="Seq">The event whose link is broken.</param>
/// <param name="Kind">One of <see cref="ChainBreakKinds"/>.</param>
/// <param name="DetectedAt">When central noticed.</param>
public sealed record ChainBreak(long Seq, string Kind, DateTimeOffset DetectedAt);

/// <summary>Kinds of chain breaks.</summary>
public static class ChainBreakKinds
{
    /// <summary>The event's <c>prevHash</c> is not the hash of the event before it.</summary>
    public const string PrevHashMismatch = "prev-hash-mismatch";

    /// <summary>Two different events carry the same <c>seq</c>.</summary>
    public const string DuplicateSeq = "duplicate-seq";

    /// <summary>An event arrived with the <c>eventId</c> of a stored event but other content; it was not stored.</summary>
    public const string EventIdReused = "event-id-reused";
}

/// <summary>One page of <c>GET /api/events</c>: the exact payloads, newest first, and the cursor of the next page.</summary>
/// <param name="Payloads">Each event's exact bytes as the kiosk published them (UTF-8 JSON).</param>
/// <param name="NextCursor">Passed back as <see cref="EventQuery.Cursor"/> for the next page; null on the last page.</param>
public sealed record EventPage(IReadOnlyList<ReadOnlyMemory<byte>> Payloads, long? NextCursor)
{
    /// <summary>
    /// Writes the page as <c>{"items":[...],"nextCursor":"…"}</c> with each item the exact payload the kiosk published;
    /// <c>nextCursor</c> is null on the last page.
    /// </summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteStartArray("items");
        foreach (var payload in Payloads)
        {
            // Payloads were checked as UTF-8 JSON when stored (older stores hold them as text: the same bytes).
            writer.WriteRawValue(payload.Span, skipInputValidation: true);
        }

        writer.WriteEndArray();
        if (NextCursor is { } cursor)
        {
            writer.WriteString("nextCursor", cursor.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteNull("nextCursor");
        }

        writer.WriteEndObject();
    }
}

/// <summary>The highest seq central holds of a kiosk and when the event carrying it was received.</summary>
public sealed record KioskLatest(long Seq, DateTimeOffset ReceivedAt);

/// <summary>A message central rejects, to be kept in quarantine and counted against its kiosk.</summary>
/// <param name="Topic">The topic it came on (cut to <see cref="Contracts.Topics.MaxTopicLength"/>).</param>
/// <param name="SiteId">The site the topic names, when it names one.</param>
/// <param name="KioskId">The kiosk the topic names, when it names one.</param>
/// <param name="Reason">Why it was rejected (never a field's value).</param>
/// <param name="Prefix">Its first bytes; cut to <see cref="StoreLimits.QuarantinePrefixBytes"/> when stored.</param>
/// <param name="Size">The whole message's size in bytes.</param>
/// <param name="Sha256">The whole message's SHA-256, hex.</param>
public sealed record RejectedMessage(string Topic, string? SiteId, string? KioskId, string Reason, ReadOnlyMemory<byte> Prefix, long Size, string Sha256);

/// <summary>Bounds every backend of the store keeps, so what kiosks send cannot grow it without end.</summary>
public static class StoreLimits
{
    /// <summary>Most messages kept in quarantine; the oldest go first.</summary>
    public const int QuarantineMaxRows = 10_000;

    /// <summary>Most bytes of message prefixes kept in quarantine; the oldest go first.</summary>
    public const long QuarantineMaxBytes = 16L * 1024 * 1024;

    /// <summary>How much of each quarantined message is kept.</summary>
    public const int QuarantinePrefixBytes = 1024;

    /// <summary>
    /// Most kiosks with a count of rejected messages of their own; beyond it rejections are counted under an empty
    /// site and kiosk, so made-up kiosk ids in topics cannot grow the table.
    /// </summary>
    public const int RejectedMaxKiosks = 10_000;
}

/// <summary>An allowed entry or exit of one person, as contact tracing reads it (see <see cref="ITracingQueries"/>).</summary>
/// <param name="Kind">The credential kind; with <paramref name="Subject"/> it names the person.</param>
/// <param name="Subject">The credential's subject id (a keyed hash for DCCs and Vietnamese ID codes).</param>
/// <param name="Direction"><c>in</c> or <c>out</c>.</param>
/// <param name="TimeSourceNone">The kiosk's clock had no trusted source (<c>timeSource</c> <c>none</c>).</param>
public sealed record PresenceEvent(string Kind, string Subject, string SiteId, string KioskId, string Direction, DateTimeOffset OccurredAt, bool TimeSourceNone);

/// <summary>One line of the audit trail.</summary>
/// <param name="At">When it happened.</param>
/// <param name="Actor">Who did it: a user name, <c>api-token</c>, or <c>central</c> for central's own jobs.</param>
/// <param name="Action">What was done, a stable code such as <c>trace</c> or <c>retention-purge</c>.</param>
/// <param name="Detail">The query or the counts; never a subject id, name or key (a subject is given as a short hash).</param>
/// <param name="Address">The caller's network address; null for central's own jobs and the command line.</param>
public sealed record AuditRecord(DateTimeOffset At, string Actor, string Action, string Detail, string? Address = null);

/// <summary>One line of the audit trail with its position, which pages count down from.</summary>
public sealed record AuditEntry(long Id, AuditRecord Record);

/// <summary>Which audit lines to list, newest first: by exact actor and action when given, below <paramref name="Cursor"/>.</summary>
public sealed record AuditQuery(string? Actor = null, string? Action = null, int Limit = 100, long? Cursor = null);

/// <summary>One page of the audit trail, newest first; <paramref name="NextCursor"/> is null on the last page.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, long? NextCursor);

/// <summary>What the daily report counts of one site's local day.</summary>
/// <param name="EntriesAllowed">Allowed entries with direction <c>in</c>.</param>
/// <param name="DeniedByReason">Denied entries (any direction) by reason code.</param>
/// <param name="DistinctPeople">People (credential kind + subject) with an allowed <c>in</c> entry.</param>
/// <param name="FirstEntry">The first allowed <c>in</c> entry; null when none.</param>
/// <param name="LastEntry">The last allowed <c>in</c> entry; null when none.</param>
/// <param name="KioskEvents">Events of any type by kiosk.</param>
public sealed record DailyCounts(
    long EntriesAllowed,
    IReadOnlyDictionary<string, long> DeniedByReason,
    long DistinctPeople,
    DateTimeOffset? FirstEntry,
    DateTimeOffset? LastEntry,
    IReadOnlyDictionary<string, long> KioskEvents);

/// <summary>Removes personal fields from an event's payload for retention.</summary>
public static class EventRedaction
{
    /// <summary>
    /// The payload without personal fields: <c>credential</c> keeps only <c>kind</c> and <c>issuer</c>; everything else
    /// is as it was. A payload that is not a JSON object (never stored, but old stores may hold one) becomes <c>{}</c>.
    /// </summary>
    public static byte[] Redact(ReadOnlySpan<byte> payload)
    {
        System.Text.Json.Nodes.JsonObject? root;
        try
        {
            root = System.Text.Json.Nodes.JsonNode.Parse(payload) as System.Text.Json.Nodes.JsonObject;
        }
        catch (JsonException)
        {
            root = null;
        }

        if (root is null)
        {
            return "{}"u8.ToArray();
        }

        if (root["credential"] is System.Text.Json.Nodes.JsonObject credential)
        {
            foreach (var name in credential.Select(p => p.Key).Where(k => k is not ("kind" or "issuer")).ToList())
            {
                credential.Remove(name);
            }
        }

        return System.Text.Encoding.UTF8.GetBytes(root.ToJsonString());
    }
}
