using GateKiosk.Contracts;

namespace GateKiosk.Core.Journaling;

/// <summary>An event before the journal gives it an id, a sequence number and its place in the hash chain.</summary>
public sealed record EventDraft
{
    public required string Type { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }

    public required string TimeSource { get; init; }

    public string? Direction { get; init; }

    public string? Decision { get; init; }

    public string? Reason { get; init; }

    public CredentialRef? Credential { get; init; }

    public long PolicyVersion { get; init; }

    public long? LatencyUs { get; init; }

    public string? Detail { get; init; }

    /// <summary>Only for the journal's own <c>journal-tail-lost</c> event: the seqs it lost (see <see cref="EntryEvent.LostSeqs"/>).</summary>
    public LostSeqRange? LostSeqs { get; init; }

    /// <summary>
    /// The single-use pass this entry uses up, in the same commit. When the journal finds the pass already used, it
    /// records the entry as a deny (<see cref="ReasonCodes.AlreadyUsed"/>) instead and says so in
    /// <see cref="JournaledEvent.PassAlreadyUsed"/>. Never part of the published event.
    /// </summary>
    public Credentials.Signed.SingleUsePass? UsesPass { get; init; }
}

/// <summary>An event sealed in the journal: its number, its id, and the exact payload bytes that are published.</summary>
/// <param name="Seq">Gapless sequence number per kiosk.</param>
/// <param name="EventId">UUIDv7.</param>
/// <param name="Payload">UTF-8 JSON of the <see cref="EntryEvent"/>; its SHA-256 is the next event's <c>prevHash</c>.</param>
public sealed record JournaledEvent(long Seq, Guid EventId, ReadOnlyMemory<byte> Payload)
{
    /// <summary>True when the draft's <see cref="EventDraft.UsesPass"/> was already used: the event was recorded as a deny (<see cref="ReasonCodes.AlreadyUsed"/>).</summary>
    public bool PassAlreadyUsed { get; init; }
}

/// <summary>A snapshot of the outbox for telemetry and the <c>journal</c> command.</summary>
/// <param name="LastSeq">Highest sequence number written (0 when empty).</param>
/// <param name="Unsent">Rows not yet acknowledged by the broker.</param>
/// <param name="OldestUnsentAt">When the oldest unsent event occurred, if any.</param>
/// <param name="SizeBytes">Size of the journal's files on disk.</param>
/// <param name="SetAside">Events the broker refused, kept aside until requeued.</param>
public sealed record JournalStats(long LastSeq, long Unsent, DateTimeOffset? OldestUnsentAt, long SizeBytes, long SetAside = 0);
