using System.Diagnostics;
using GateKiosk.Core.Journaling;

namespace GateKiosk.Benchmarks;

/// <summary>
/// A journal that counts the time the publisher spends reading and marking rows, to tell the disk from the network,
/// and records how many rows each read returned (the publisher packs each read into messages, so the reads say which
/// messages went out). With <paramref name="maxRowsPerRead"/> it hands the publisher at most that many rows per read.
/// </summary>
internal sealed class TimedJournal(IEntryJournal inner, int? maxRowsPerRead = null) : IEntryJournal
{
    private readonly List<int> _readSizes = [];
    private long _readTicks;
    private long _markTicks;

    public TimeSpan Reading => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _readTicks));

    public TimeSpan Marking => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _markTicks));

    /// <summary>The number of rows of every read that returned any, in order.</summary>
    public IReadOnlyList<int> ReadSizes
    {
        get
        {
            lock (_readSizes)
            {
                return [.. _readSizes];
            }
        }
    }

    public JournaledEvent Append(EventDraft draft) => inner.Append(draft);

    public IReadOnlyList<JournaledEvent> ReadUnsent(long afterSeq, int max)
    {
        var start = Stopwatch.GetTimestamp();
        var rows = inner.ReadUnsent(afterSeq, maxRowsPerRead is { } cap ? Math.Min(cap, max) : max);
        Interlocked.Add(ref _readTicks, Stopwatch.GetTimestamp() - start);
        if (rows.Count > 0)
        {
            lock (_readSizes)
            {
                _readSizes.Add(rows.Count);
            }
        }

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
