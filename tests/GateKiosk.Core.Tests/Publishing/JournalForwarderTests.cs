using GateKiosk.Core.Journaling;
using GateKiosk.Core.Publishing;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace GateKiosk.Core.Tests.Publishing;

public sealed class JournalForwarderTests
{
    private sealed class ScriptedUplink(Func<JournaledEvent, PublishOutcome> answer) : IEventUplink
    {
        public List<long> Published { get; } = [];

        public bool IsConnected { get; set; } = true;

        public Task<PublishOutcome> PublishAsync(JournaledEvent journaled, CancellationToken cancellationToken)
        {
            Published.Add(journaled.Seq);
            return Task.FromResult(answer(journaled));
        }
    }

    private static FakeEntryJournal JournalWith(int count)
    {
        var journal = new FakeEntryJournal();
        for (var i = 0; i < count; i++)
        {
            journal.Append(new EventDraft { Type = "system", OccurredAt = DateTimeOffset.UnixEpoch, TimeSource = "none" });
        }

        return journal;
    }

    [Fact]
    public async Task PublishPendingAsync_AllAcked_MarksEverythingSentInOrder()
    {
        var journal = JournalWith(70);
        var uplink = new ScriptedUplink(_ => PublishOutcome.Acked);

        var result = await new JournalForwarder(journal, uplink, NullLogger<JournalForwarder>.Instance, maxInFlight: 8).PublishPendingAsync(CancellationToken.None);

        Assert.Equal(new ForwardResult(70, Stalled: false), result);
        Assert.Equal(Enumerable.Range(1, 70).Select(i => (long)i), uplink.Published);
        Assert.Equal(0, journal.GetStats().Unsent);
    }

    [Fact]
    public async Task PublishPendingAsync_FailureMidBatch_MarksOnlyTheAckedPrefix()
    {
        var journal = JournalWith(10);
        var uplink = new ScriptedUplink(e => e.Seq == 4 ? new PublishOutcome(PublishStatus.Failed, "timeout") : PublishOutcome.Acked);

        var result = await new JournalForwarder(journal, uplink, NullLogger<JournalForwarder>.Instance, maxInFlight: 8).PublishPendingAsync(CancellationToken.None);

        Assert.Equal(new ForwardResult(3, Stalled: true), result);
        Assert.Equal([4L, 5, 6, 7, 8, 9, 10], journal.ReadUnsent(0, 100).Select(e => e.Seq));
    }

    [Fact]
    public async Task PublishPendingAsync_Refused_StopsWithoutMarking()
    {
        var journal = JournalWith(3);
        var uplink = new ScriptedUplink(_ => new PublishOutcome(PublishStatus.Refused, "NotAuthorized"));

        var result = await new JournalForwarder(journal, uplink, NullLogger<JournalForwarder>.Instance).PublishPendingAsync(CancellationToken.None);

        Assert.True(result.Stalled);
        Assert.Equal(3, journal.GetStats().Unsent);
    }

    [Fact]
    public async Task PublishPendingAsync_Disconnected_PublishesNothing()
    {
        var journal = JournalWith(3);
        var uplink = new ScriptedUplink(_ => PublishOutcome.Acked) { IsConnected = false };

        var result = await new JournalForwarder(journal, uplink, NullLogger<JournalForwarder>.Instance).PublishPendingAsync(CancellationToken.None);

        Assert.Equal(new ForwardResult(0, Stalled: true), result);
        Assert.Empty(uplink.Published);
    }
}
