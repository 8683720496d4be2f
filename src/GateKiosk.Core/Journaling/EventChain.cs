using System.Security.Cryptography;
using System.Text.Json;
using GateKiosk.Contracts;

namespace GateKiosk.Core.Journaling;

/// <summary>
/// The hash chain over published payloads: each event's <c>prevHash</c> is the lower-case hex SHA-256
/// of the previous event's exact payload bytes, so a gap or an edit anywhere is detectable.
/// </summary>
public static class EventChain
{
    /// <summary>The <c>prevHash</c> of the first event of a kiosk.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>Lower-case hex SHA-256 of <paramref name="payload"/>.</summary>
    public static string Hash(ReadOnlySpan<byte> payload) => Convert.ToHexStringLower(SHA256.HashData(payload));

    /// <summary>Serialises <paramref name="entry"/> to the exact bytes that are journaled and published.</summary>
    public static byte[] Serialize(EntryEvent entry) =>
        JsonSerializer.SerializeToUtf8Bytes(entry, ContractsJsonContext.Default.EntryEvent);

    /// <summary>Builds the sealed event for <paramref name="draft"/> at position <paramref name="seq"/>.</summary>
    public static EntryEvent Seal(EventDraft draft, string siteId, string kioskId, long seq, string prevHash, Guid eventId)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var at = draft.OccurredAt.ToUniversalTime();
        return new EntryEvent
        {
            EventId = eventId,
            KioskId = kioskId,
            SiteId = siteId,
            Seq = seq,
            PrevHash = prevHash,
            OccurredAt = new DateTimeOffset(at.Ticks - (at.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero),
            TimeSource = draft.TimeSource,
            Type = draft.Type,
            Direction = draft.Direction,
            Decision = draft.Decision,
            Reason = draft.Reason,
            Credential = draft.Credential,
            PolicyVersion = draft.PolicyVersion,
            LatencyUs = draft.LatencyUs,
            Detail = draft.Detail,
            LostSeqs = draft.LostSeqs,
        };
    }
}
