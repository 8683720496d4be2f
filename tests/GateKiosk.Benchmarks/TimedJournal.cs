using System.Diagnostics;
using GateKiosk.Core.Journaling;

namespace GateKiosk.Benchmarks;

/// <summary>A journal that counts the time the publisher spends reading and marking rows, to tell the disk from the network.</summary>
internal sealed class TimedJournal(IEntryJournal inner) : IEntryJournal
{
    private long _readTicks;
    private long _markTicks;

    public TimeSpan Reading => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _readTicks));

    public TimeSpan Marking => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _markTicks));

    public JournaledEvent Append(EventDraft draft) => inner.Append(draft);

    public IReadOnlyList<JournaledEvent> ReadUnsent(long afterSeq, int max)
    {
        var start = Stopwatch.GetTimestamp();
        var rows = inner.ReadUnsent(afterSeq, max);
        Interlocked.Add(ref _readTicks, Stopwatch.GetTimestamp() - start);
        return rows;
    }

    public void MarkSent(IReadOnlyList<long> seqs)
    {
        var start = Stopwatch.GetTimestamp();
        inner.MarkSent(seqs);
        Interlocked.Add(ref _markTicks, Stopwatch.GetTimestamp() - start);
    }

    public void SetAside(IReadOnlyList<long> seqs) => inner.SetAside(seqs);

    public int Requeue(long fromSeq, long toSeq) => inner.Requeue(fromSeq, toSeq);

    public int RequeueSetAside() => inner.RequeueSetAside();

    public JournalStats GetStats() => inner.GetStats();

    public Task WaitForAppendAsync(CancellationToken cancellationToken) => inner.WaitForAppendAsync(cancellationToken);
}
