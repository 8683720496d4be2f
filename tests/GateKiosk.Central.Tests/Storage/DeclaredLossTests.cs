using System.Text;
using System.Text.Json;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Storage;
using GateKiosk.Testing;

namespace GateKiosk.Central.Tests.Storage;

/// <summary>
/// A kiosk whose journal lost its newest events declares the lost seqs in a <c>journal-tail-lost</c> event: central stores
/// it and what follows without a chain break, and reports the range as declared lost instead of as a gap to ask for.
/// </summary>
public sealed class DeclaredLossTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-declared-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private SqliteEventStore OpenStore() => new(Path.Combine(_folder, "central", "central.db"), TimeProvider.System);

    private static (EntryEvent Entry, string Payload) Stored(JournaledEvent e) =>
        (JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!, Encoding.UTF8.GetString(e.Payload.Span));

    private static EventDraft Draft(int i) => new()
    {
        Type = EventTypes.Entry,
        OccurredAt = DateTimeOffset.UnixEpoch.AddSeconds(i),
        TimeSource = TimeSources.Ntp,
        Decision = Decisions.Allow,
        Reason = ReasonCodes.Valid,
        Credential = new CredentialRef(CredentialKinds.Badge, "allowlist", $"E{i}"),
    };

    /// <summary>Events 1–<paramref name="count"/> of <c>site-1/kiosk-1</c>, chained as a kiosk journals them.</summary>
    private static List<(EntryEvent Entry, string Payload)> Chain(int count)
    {
        var journal = new FakeEntryJournal();
        return [.. Enumerable.Range(0, count).Select(i => Stored(journal.Append(Draft(i))))];
    }

    /// <summary>An event sealed at <paramref name="seq"/> after <paramref name="previous"/>, declaring <paramref name="lost"/> when given.</summary>
    private static (EntryEvent Entry, string Payload) After((EntryEvent Entry, string Payload) previous, long seq, LostSeqRange? lost = null)
    {
        var draft = new EventDraft
        {
            Type = EventTypes.System,
            OccurredAt = DateTimeOffset.UnixEpoch.AddDays(1),
            TimeSource = TimeSources.Ntp,
            Detail = lost is null ? "kiosk-started" : SqliteEntryJournal.TailLost + ": test",
            LostSeqs = lost,
        };
        var payload = EventChain.Serialize(EventChain.Seal(draft, "site-1", "kiosk-1", seq, EventChain.Hash(Encoding.UTF8.GetBytes(previous.Payload)), Guid.CreateVersion7()));
        return (JsonSerializer.Deserialize(payload, ContractsJsonContext.Default.EntryEvent)!, Encoding.UTF8.GetString(payload));
    }

    [Fact]
    public void Store_PublishedJournalTornAndReopened_MarkerAndNewEventsStored_NoDuplicateSeq_RangeDeclaredLost()
    {
        // A kiosk journals 1500 events and central stores every one of them.
        var journalPath = Path.Combine(_folder, "kiosk", "journal.db");
        using var store = OpenStore();
        using (var journal = new SqliteEntryJournal(journalPath, "site-1", "kiosk-1"))
        {
            for (var i = 0; i < 1500; i += 500)
            {
                var published = journal.AppendRange([.. Enumerable.Range(i, 500).Select(Draft)]);
                store.AddRange([.. published.Select(Stored)]);
                journal.MarkSent([.. published.Select(e => e.Seq)]);
            }
        }

        // Its journal loses its last pages; it is salvaged, journals on, and sends everything it has again.
        TornJournal.CutTail(journalPath, keep: 0.75);
        using (var journal = new SqliteEntryJournal(journalPath, "site-1", "kiosk-1"))
        {
            Assert.True(journal.OpenReport.Salvaged);
            Assert.Equal(2000, journal.OpenReport.LostSeqs?.To);
            for (var i = 0; i < 5; i++)
            {
                journal.Append(Draft(2000 + i));
            }

            var added = store.AddRange([.. journal.ReadUnsent(0, 10_000).Select(Stored)]);
            Assert.Equal(6, added); // the kept events are absorbed by eventId; the marker and 5 new events are new
        }

        Assert.Empty(store.GetChainBreaks("site-1", "kiosk-1")); // no duplicate-seq, no prev-hash-mismatch
        Assert.Empty(store.GetGaps("site-1", "kiosk-1"));
        Assert.Equal([new SeqRange(1501, 2000)], store.GetDeclaredLost("site-1", "kiosk-1"));
        var summary = store.GetKiosks().Single();
        Assert.Equal((1506L, 2006L, 0L, 500L, 0L), (summary.Events, summary.LastSeq, summary.Missing, summary.DeclaredLost, summary.ChainBreaks));
    }

    [Fact]
    public void Store_DeclaredRangeAboveAGap_OnlyTheUndeclaredSeqsAreGapsToAskFor()
    {
        // The kiosk kept 1–15 and declares 16–30 lost at seq 31; central never got 10 (the broker lost it).
        var events = Chain(20);
        var marker = After(events[14], 31, new LostSeqRange(16, 30));
        using var store = OpenStore();

        store.AddRange([.. events.Where(e => e.Entry.Seq != 10), marker, After(marker, 32)]);

        Assert.Equal([new SeqRange(10, 10)], store.GetGaps("site-1", "kiosk-1"));
        Assert.Equal([new SeqRange(21, 30)], store.GetDeclaredLost("site-1", "kiosk-1"));
        Assert.Empty(store.GetChainBreaks("site-1", "kiosk-1"));
        var summary = store.GetKiosks().Single();
        Assert.Equal((1L, 10L), (summary.Missing, summary.DeclaredLost));

        // The resend fills the real gap; the declared range stays declared.
        store.AddRange([events[9]]);
        Assert.Empty(store.GetGaps("site-1", "kiosk-1"));
        Assert.Equal((0L, 10L), (store.GetKiosks().Single().Missing, store.GetKiosks().Single().DeclaredLost));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Store_DeclaredSeqsCentralAlreadyHolds_MarkerChainsToTheLastKeptEvent_InEitherOrder(bool reversed)
    {
        // The kiosk lost 16–20 after sending them, kept 15, and declares 16–20 at seq 21; central holds all of them.
        var events = Chain(20);
        var marker = After(events[14], 21, new LostSeqRange(16, 20));
        List<(EntryEvent, string)> all = [.. events, marker, After(marker, 22)];
        if (reversed)
        {
            all.Reverse();
        }

        using var store = OpenStore();
        foreach (var e in all)
        {
            store.Add(e.Item1, e.Item2);
        }

        Assert.Empty(store.GetChainBreaks("site-1", "kiosk-1"));
        Assert.Empty(store.GetGaps("site-1", "kiosk-1"));
        Assert.Empty(store.GetDeclaredLost("site-1", "kiosk-1"));
        Assert.Equal((0L, 0L, 22L), (store.GetKiosks().Single().Missing, store.GetKiosks().Single().DeclaredLost, store.GetKiosks().Single().LastSeq));
    }

    [Fact]
    public void Store_MarkerNotChainedToTheEventBeforeItsRange_IsAChainBreak()
    {
        var events = Chain(15);
        using var store = OpenStore();
        store.AddRange([.. events.Where(e => e.Entry.Seq != 15)]);

        // Chained to 14, not to 15, the last event before the range: found whichever of the two arrives last.
        var marker = After(events[13], 31, new LostSeqRange(16, 30));
        store.Add(marker.Entry, marker.Payload);
        store.Add(events[14].Entry, events[14].Payload);

        Assert.Equal([(31L, ChainBreakKinds.PrevHashMismatch)], store.GetChainBreaks("site-1", "kiosk-1").Select(b => (b.Seq, b.Kind)));
    }

    [Fact]
    public void Store_DeclarationThatDoesNotEndBelowItsEvent_IsNotHonoured()
    {
        var events = Chain(15);
        using var store = OpenStore();
        store.AddRange([.. events]);

        store.AddRange([After(events[14], 31, new LostSeqRange(16, 25))]);

        Assert.Equal([new SeqRange(16, 30)], store.GetGaps("site-1", "kiosk-1"));
        Assert.Empty(store.GetDeclaredLost("site-1", "kiosk-1"));
        Assert.Equal(15, store.GetKiosks().Single().Missing);
    }
}
