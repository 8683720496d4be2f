using GateKiosk.Core.Journaling;
using GateKiosk.Core.Publishing;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace GateKiosk.Core.Tests.Publishing;

public sealed class JournalForwarderTests
{
    private sealed class ScriptedUplink(Func<OutboxMessage, PublishOutcome> answer) : IEventUplink
    {
        public List<OutboxMessage> Messages { get; } = [];

        public IEnumerable<long> Published => Messages.SelectMany(m => Enumerable.Range((int)m.FirstSeq, m.Count).Select(i => (long)i));

        public bool IsConnected { get; set; } = true;

        public int MaxInFlight { get; set; } = 8;

        public Task<PublishOutcome> PublishAsync(OutboxMessage message, CancellationToken cancellationToken)
        {
            Messages.Add(message);
            return Task.FromResult(answer(message));
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

    /// <summary>An uplink whose publishes are all answered (acknowledged) only once the test opens the gate.</summary>
    private sealed class GatedUplink : IEventUplink
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Published;

        public bool IsConnected => true;

        public int MaxInFlight => 1;

        public void Open() => _gate.TrySetResult();

        public async Task<PublishOutcome> PublishAsync(OutboxMessage message, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Published);
            await _gate.Task;
            return PublishOutcome.Acked;
        }
    }

    /// <summary>Signals each read of unsent rows after the first.</summary>
    private sealed class ReadSignallingJournal(IEntryJournal inner) : IEntryJournal
    {
        private int _reads;

        public TaskCompletionSource SecondRead { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public JournaledEvent Append(EventDraft draft) => inner.Append(draft);

        public IReadOnlyList<JournaledEvent> ReadUnsent(long afterSeq, int max)
        {
            var rows = inner.ReadUnsent(afterSeq, max);
            if (Interlocked.Increment(ref _reads) == 2)
            {
                SecondRead.TrySetResult();
            }

            return rows;
        }

        public void MarkSent(IReadOnlyList<long> seqs) => inner.MarkSent(seqs);

        public void SetAside(IReadOnlyList<long> seqs) => inner.SetAside(seqs);

        public int Requeue(long fromSeq, long toSeq) => inner.Requeue(fromSeq, toSeq);

        public int RequeueSetAside() => inner.RequeueSetAside();

        public JournalStats GetStats() => inner.GetStats();

        public Task WaitForAppendAsync(CancellationToken cancellationToken) => inner.WaitForAppendAsync(cancellationToken);
    }

    [Fact]
    public async Task PublishPendingAsync_FirstPublishUnanswered_NextRowsAlreadyRead()
    {
        var journal = new ReadSignallingJournal(JournalWith(300));
        var uplink = new GatedUplink();

        var pass = new JournalForwarder(journal, uplink, NullLogger<JournalForwarder>.Instance).PublishPendingAsync(CancellationToken.None);

        // The disk and the network overlap: the next rows are read while the first message waits for its answer.
        await journal.SecondRead.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, Volatile.Read(ref uplink.Published));
        uplink.Open();
        var result = await pass.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(new ForwardResult(300, Stalled: false), result);
        Assert.Equal(0, journal.GetStats().Unsent);
    }

    [Fact]
    public async Task PublishPendingAsync_AllAcked_MarksEverythingSentInOrder()
    {
        var journal = JournalWith(70);
        var uplink = new ScriptedUplink(_ => PublishOutcome.Acked);

        var result = await new JournalForwarder(journal, uplink, NullLogger<JournalForwarder>.Instance).PublishPendingAsync(CancellationToken.None);

        Assert.Equal(new ForwardResult(70, Stalled: false), result);
        Assert.Equal(Enumerable.Range(1, 70).Select(i => (long)i), uplink.Published);
        Assert.Equal(0, journal.GetStats().Unsent);
    }

    [Fact]
    public async Task PublishPendingAsync_ShortBacklog_OneEventPerMessage()
    {
        var journal = JournalWith(OutboxMessage.BatchThreshold - 1);
        var uplink = new ScriptedUplink(_ => PublishOutcome.Acked);

        await new JournalForwarder(journal, uplink, NullLogger<JournalForwarder>.Instance).PublishPendingAsync(CancellationToken.None);

        Assert.All(uplink.Messages, m => Assert.Equal(1, m.Count));
        Assert.Equal(journal.All[0].Payload.ToArray(), uplink.Messages[0].Payload.ToArray());
    }

    [Fact]
    public async Task PublishPendingAsync_Backlog_BatchesAreArraysOfExactEventBytesUnderTheLimit()
    {
        var journal = JournalWith(2000);
        var uplink = new ScriptedUplink(_ => PublishOutcome.Acked);

        await new JournalForwarder(journal, uplink, NullLogger<JournalForwarder>.Instance).PublishPendingAsync(CancellationToken.None);

        Assert.True(uplink.Messages.Count < 100, $"{uplink.Messages.Count} messages");
        Assert.All(uplink.Messages, m => Assert.True(m.Payload.Length <= OutboxMessage.MaxBatchBytes));
        var first = uplink.Messages[0];
        using var doc = System.Text.Json.JsonDocument.Parse(first.Payload);
        var elements = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(first.Count, elements.Count);
        for (var i = 0; i < elements.Count; i++)
        {
            Assert.Equal(System.Text.Encoding.UTF8.GetString(journal.All[i].Payload.Span), elements[i].GetRawText());
        }

        Assert.Equal(Enumerable.Range(1, 2000).Select(i => (long)i), uplink.Published);
    }

    [Fact]
    public async Task PublishPendingAsync_RefusedBatch_RetriesOneByOne_AndSetsAsideOnlyTheRefusedEvent()
    {
        var journal = JournalWith(20);
        var uplink = new ScriptedUplink(m => m.FirstSeq <= 5 && m.LastSeq >= 5 ? new PublishOutcome(PublishStatus.Refused, "0x87") : PublishOutcome.Acked);

        var result = await new JournalForwarder(journal, uplink, NullLogger<JournalForwarder>.Instance).PublishPendingAsync(CancellationToken.None);

        Assert.Equal(19, result.Acked);
        Assert.False(result.Stalled);
        var stats = journal.GetStats();
        Assert.Equal((0L, 1L), (stats.Unsent, stats.SetAside));
        Assert.Equal(1, journal.RequeueSetAside());
        Assert.Equal([5L], journal.ReadUnsent(0, 10).Select(e => e.Seq));
    }

    [Fact]
    public async Task PublishPendingAsync_FailureMidWindow_KeepsOnlyTheUnacknowledgedEvent_AndStopsPublishing()
    {
        var journal = JournalWith(OutboxMessage.BatchThreshold - 1);
        var uplink = new ScriptedUplink(m => m.FirstSeq == 4 ? new PublishOutcome(PublishStatus.Failed, "timeout") : PublishOutcome.Acked);

        var result = await new JournalForwarder(journal, uplink, NullLogger<JournalForwarder>.Instance).PublishPendingAsync(CancellationToken.None);

        Assert.Equal(new ForwardResult(6, Stalled: true), result);
        Assert.Equal([4L], journal.ReadUnsent(0, 100).Select(e => e.Seq));
        Assert.Equal(7, uplink.Messages.Count);
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
