using GateKiosk.Core.Journaling;

namespace GateKiosk.Testing;

/// <summary>An in-memory journal with the real sealing and hash chain; can be told to fail like a full disk.</summary>
public sealed class FakeEntryJournal : IEntryJournal
{
    private readonly Lock _lock = new();
    private readonly List<(JournaledEvent Event, bool Sent)> _rows = [];
    private readonly AppendSignal _appended = new();
    private string _lastHash = EventChain.Genesis;

    /// <summary>When set, <see cref="Append"/> throws this (an IOException for a full disk, say).</summary>
    public Exception? FailWith { get; set; }

    public IReadOnlyList<JournaledEvent> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _rows.Select(r => r.Event)];
            }
        }
    }

    public JournaledEvent Append(EventDraft draft)
    {
        lock (_lock)
        {
            if (FailWith is { } failure)
            {
                throw failure;
            }

            var seq = _rows.Count + 1;
            var id = Guid.CreateVersion7(draft.OccurredAt);
            var payload = EventChain.Serialize(EventChain.Seal(draft, "site-1", "kiosk-1", seq, _lastHash, id));
            _lastHash = EventChain.Hash(payload);
            var journaled = new JournaledEvent(seq, id, payload);
            _rows.Add((journaled, false));
            _appended.Set();
            return journaled;
        }
    }

    public IReadOnlyList<JournaledEvent> ReadUnsent(long afterSeq, int max)
    {
        lock (_lock)
        {
            return [.. _rows.Where(r => !r.Sent && r.Event.Seq > afterSeq).Take(max).Select(r => r.Event)];
        }
    }

    public void MarkSent(IReadOnlyList<long> seqs)
    {
        lock (_lock)
        {
            foreach (var seq in seqs)
            {
                _rows[(int)seq - 1] = (_rows[(int)seq - 1].Event, true);
            }
        }
    }

    public JournalStats GetStats()
    {
        lock (_lock)
        {
            return new JournalStats(_rows.Count, _rows.Count(r => !r.Sent), null, 0);
        }
    }

    public Task WaitForAppendAsync(CancellationToken cancellationToken) => _appended.WaitAsync(cancellationToken);
}
