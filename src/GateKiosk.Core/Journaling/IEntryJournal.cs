namespace GateKiosk.Core.Journaling;

/// <summary>
/// The durable journal, which is also the outbox: every event is written here before anything else
/// sees it, and the publisher reads only from here.
/// </summary>
public interface IEntryJournal
{
    /// <summary>
    /// Seals <paramref name="draft"/> (event id, next <c>seq</c>, <c>prevHash</c>) and commits it durably.
    /// Returns only once the event would survive a power cut. Throws <see cref="IOException"/>-like
    /// exceptions when the disk refuses; the caller decides what a safe answer is. A draft that
    /// <see cref="EventDraft.UsesPass">uses a single-use pass</see> uses it up in the same commit, or is recorded as a
    /// deny when the pass was already used; a refused append leaves the pass unused.
    /// </summary>
    JournaledEvent Append(EventDraft draft);

    /// <summary>Up to <paramref name="max"/> unsent events with <c>seq</c> greater than <paramref name="afterSeq"/>, in order.</summary>
    IReadOnlyList<JournaledEvent> ReadUnsent(long afterSeq, int max);

    /// <summary>Marks events sent (the broker acknowledged them).</summary>
    void MarkSent(IReadOnlyList<long> seqs);

    /// <summary>Sets aside events the broker refused: kept and counted, but not read as unsent until requeued.</summary>
    void SetAside(IReadOnlyList<long> seqs);

    /// <summary>Puts journaled events <paramref name="fromSeq"/>–<paramref name="toSeq"/> back into the outbox (central asked for them again); returns how many.</summary>
    int Requeue(long fromSeq, long toSeq);

    /// <summary>Returns set-aside events to the outbox (on a resync command from central); returns how many.</summary>
    int RequeueSetAside();

    /// <summary>Outbox statistics.</summary>
    JournalStats GetStats();

    /// <summary>Completes when an event is appended after the call, or when <paramref name="cancellationToken"/> fires.</summary>
    Task WaitForAppendAsync(CancellationToken cancellationToken);
}
