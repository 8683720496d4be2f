using System.Collections.Concurrent;

namespace GateKiosk.Central.Collecting;

/// <summary>
/// The highest seq this process has stored of each kiosk, so that the check of a new message's seq against what central
/// holds needs no read of the store while a kiosk sends in order. What the store holds is never below it (events are not
/// deleted, and other collectors only add), so a message within <see cref="MqttEventCollector.MinSeqJump"/> of it is
/// within the store's allowance too; any other message is checked against the store itself. Bounded: past
/// <see cref="MaxKiosks"/> it starts again empty, which only sends the next checks to the store.
/// </summary>
internal sealed class StoredSeqs
{
    /// <summary>Most kiosks remembered.</summary>
    public const int MaxKiosks = 100_000;

    private readonly ConcurrentDictionary<(string Site, string Kiosk), long> _seqs = new();

    /// <summary>True when <paramref name="seq"/> is surely within the allowance of what central holds of the kiosk.</summary>
    public bool SurelyWithinAllowance(string site, string kiosk, long seq) =>
        _seqs.TryGetValue((site, kiosk), out var stored) && seq <= stored + MqttEventCollector.MinSeqJump;

    /// <summary>Records that events up to <paramref name="seq"/> of the kiosk are stored.</summary>
    public void Stored(string site, string kiosk, long seq)
    {
        if (_seqs.Count >= MaxKiosks && !_seqs.ContainsKey((site, kiosk)))
        {
            _seqs.Clear();
        }

        _seqs.AddOrUpdate((site, kiosk), seq, (_, old) => Math.Max(old, seq));
    }
}
