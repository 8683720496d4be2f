using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Journaling;

namespace GateKiosk.Testing;

/// <summary>
/// An in-memory journal with the real sealing and hash chain, and its single-use pass ledger (a pass is used up with its
/// entry, as in the real journal); can be told to fail like a full disk.
/// </summary>
public sealed class FakeEntryJournal(string siteId = "site-1", string kioskId = "kiosk-1") : IEntryJournal, IPassUseLedger
{
    private readonly HashSet<string> _usedPasses = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly List<(JournaledEvent Event, int State)> _rows = [];
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

            var refused = draft.UsesPass is { } pass && !_usedPasses.Add(pass.PassId);
            if (refused)
            {
                draft = draft with { Decision = Decisions.Deny, Reason = ReasonCodes.AlreadyUsed, UsesPass = null };
            }

            var seq = _rows.Count + 1;
            var id = Guid.CreateVersion7(draft.OccurredAt);
            var payload = EventChain.Serialize(EventChain.Seal(draft, siteId, kioskId, seq, _lastHash, id));
            _lastHash = EventChain.Hash(payload);
            var journaled = new JournaledEvent(seq, id, payload) { PassAlreadyUsed = refused };
            _rows.Add((journaled, 0));
            _appended.Set();
            return journaled;
        }
    }

    public bool IsUsed(string passId)
    {
        lock (_lock)
        {
            return _usedPasses.Contains(passId);
        }
    }

    public IReadOnlyList<JournaledEvent> ReadUnsent(long afterSeq, int max)
    {
        lock (_lock)
        {
            return [.. _rows.Where(r => r.State == 0 && r.Event.Seq > afterSeq).Take(max).Select(r => r.Event)];
        }
    }

    public void MarkSent(IReadOnlyList<long> seqs) => SetState(seqs, 1);

    public void SetAside(IReadOnlyList<long> seqs) => SetState(seqs, 2);

    public int Requeue(long fromSeq, long toSeq)
    {
        lock (_lock)
        {
            var indexes = Enumerable.Range(0, _rows.Count).Where(i => _rows[i].Event.Seq >= fromSeq && _rows[i].Event.Seq <= toSeq).ToList();
            indexes.ForEach(i => _rows[i] = (_rows[i].Event, 0));
            _appended.Set();
            return indexes.Count;
        }
    }

    public int RequeueSetAside()
    {
        lock (_lock)
        {
            var aside = Enumerable.Range(0, _rows.Count).Where(i => _rows[i].State == 2).ToList();
            aside.ForEach(i => _rows[i] = (_rows[i].Event, 0));
            return aside.Count;
        }
    }

    public JournalStats GetStats()
    {
        lock (_lock)
        {
            return new JournalStats(_rows.Count, _rows.Count(r => r.State == 0), null, 0, _rows.Count(r => r.State == 2));
        }
    }

    private void SetState(IReadOnlyList<long> seqs, int state)
    {
        lock (_lock)
        {
            foreach (var seq in seqs)
            {
                if (_rows[(int)seq - 1].State != 1)
                {
                    _rows[(int)seq - 1] = (_rows[(int)seq - 1].Event, state);
                }
            }
        }
    }

    public Task WaitForAppendAsync(CancellationToken cancellationToken) => _appended.WaitAsync(cancellationToken);
}
