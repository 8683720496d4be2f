using GateKiosk.Core.Journaling;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Core.Publishing;

/// <summary>
/// Moves the journal to the broker: reads unsent events in <c>seq</c> order, packs a backlog into batches,
/// keeps up to <see cref="IEventUplink.MaxInFlight"/> publishes in flight, and marks rows sent only for the
/// acknowledged prefix. A message the broker refuses is retried event by event; an event refused on its own
/// is set aside (counted, kept, retried on request) rather than retried forever.
/// </summary>
public sealed partial class JournalForwarder
{
    private readonly IEntryJournal _journal;
    private readonly IEventUplink _uplink;
    private readonly ILogger<JournalForwarder> _logger;

    public JournalForwarder(IEntryJournal journal, IEventUplink uplink, ILogger<JournalForwarder> logger)
    {
        _journal = journal;
        _uplink = uplink;
        _logger = logger;
    }

    /// <summary>
    /// Publishes everything unsent that can be published now, keeping a sliding window of publishes in flight
    /// while the next rows are read and packed. Returns the number of events acknowledged, and whether it
    /// stopped because the uplink failed (the caller then backs off).
    /// </summary>
    public async Task<ForwardResult> PublishPendingAsync(CancellationToken cancellationToken)
    {
        var acked = 0;
        var sent = new List<long>();
        var pending = new Queue<OutboxMessage>();
        var inFlight = new Queue<(OutboxMessage Message, Task<PublishOutcome> Answer)>();
        var rows = (IReadOnlyList<JournaledEvent>)[];
        var previousRows = rows;
        Task<IReadOnlyList<JournaledEvent>>? nextRows = null;
        long after = 0;
        var exhausted = false;
        var failed = false;
        try
        {
            while (true)
            {
                var window = Math.Max(1, _uplink.MaxInFlight);
                if (pending.Count == 0 && !exhausted && !failed)
                {
                    previousRows = rows;
                    rows = nextRows is null ? _journal.ReadUnsent(after, window * ReadRowsPerInFlight) : await nextRows;
                    nextRows = null;
                    exhausted = rows.Count == 0;
                    if (!exhausted)
                    {
                        foreach (var message in OutboxMessage.Pack(rows))
                        {
                            pending.Enqueue(message);
                        }

                        after = rows[^1].Seq;

                        // Read the next rows while these are published: the disk and the network overlap.
                        if (_uplink.IsConnected)
                        {
                            var from = after;
                            var max = window * ReadRowsPerInFlight;
                            nextRows = Task.Run(() => _journal.ReadUnsent(from, max), CancellationToken.None);
                        }
                    }
                }

                while (!failed && inFlight.Count < window && pending.Count > 0 && !cancellationToken.IsCancellationRequested && _uplink.IsConnected)
                {
                    var message = pending.Dequeue();
                    inFlight.Enqueue((message, _uplink.PublishAsync(message, cancellationToken)));
                }

                if (inFlight.Count == 0)
                {
                    failed |= pending.Count > 0 || !_uplink.IsConnected;
                    break;
                }

                // The broker answers in order; whatever it acknowledged leaves the outbox, even after a failure.
                var (sentMessage, answer) = inFlight.Dequeue();
                var outcome = await answer;
                switch (outcome.Status)
                {
                    case PublishStatus.Acked:
                        AddRange(sent, sentMessage);
                        break;
                    case PublishStatus.Refused when sentMessage.Count > 1 && !failed:
                        LogBatchRefused(sentMessage.FirstSeq, sentMessage.LastSeq, outcome.Detail);
                        failed = !await RetryOneByOneAsync(sentMessage, [.. previousRows, .. rows], sent, cancellationToken);
                        break;
                    case PublishStatus.Refused when sentMessage.Count == 1:
                        LogSetAside(sentMessage.FirstSeq, outcome.Detail);
                        _journal.SetAside([sentMessage.FirstSeq]);
                        break;
                    default:
                        if (!failed)
                        {
                            LogNotSent(sentMessage.FirstSeq, sentMessage.LastSeq, outcome.Detail);
                        }

                        failed = true;
                        break;
                }

                if (sent.Count >= 4096)
                {
                    acked += Flush(sent);
                }
            }
        }
        finally
        {
            // A read still under way finishes before the pass ends: nothing reads the journal after its caller returns.
            if (nextRows is not null)
            {
                await nextRows.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }

        acked += Flush(sent);
        return new ForwardResult(acked, Stalled: failed);
    }

    /// <summary>Rows read from the journal per publish the uplink keeps in flight: a read packs into about that many messages' worth.</summary>
    private const int ReadRowsPerInFlight = 128;

    private int Flush(List<long> sent)
    {
        var count = sent.Count;
        if (count > 0)
        {
            _journal.MarkSent(sent);
            sent.Clear();
        }

        return count;
    }

    private async Task<bool> RetryOneByOneAsync(OutboxMessage batch, IReadOnlyList<JournaledEvent> rows, List<long> sent, CancellationToken cancellationToken)
    {
        var events = rows.Where(r => r.Seq >= batch.FirstSeq && r.Seq <= batch.LastSeq).ToList();
        if (events.Count != batch.Count)
        {
            // The rows were read again since: leave the batch in the outbox for the next pass.
            return true;
        }

        foreach (var row in events)
        {
            var outcome = await _uplink.PublishAsync(OutboxMessage.Of(row), cancellationToken);
            if (outcome.Status == PublishStatus.Acked)
            {
                sent.Add(row.Seq);
            }
            else if (outcome.Status == PublishStatus.Refused)
            {
                LogSetAside(row.Seq, outcome.Detail);
                _journal.SetAside([row.Seq]);
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    private static void AddRange(List<long> sent, OutboxMessage message)
    {
        for (var seq = message.FirstSeq; seq <= message.LastSeq; seq++)
        {
            sent.Add(seq);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Events seq {First}–{Last} not sent: {Detail}")]
    private partial void LogNotSent(long first, long last, string? detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker refused the batch seq {First}–{Last} ({Detail}); sending its events one by one")]
    private partial void LogBatchRefused(long first, long last, string? detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "The broker refused event seq {Seq} ({Detail}); it is set aside in the journal and sent again on a resync command from central")]
    private partial void LogSetAside(long seq, string? detail);
}

/// <summary>Result of one <see cref="JournalForwarder.PublishPendingAsync"/> pass.</summary>
/// <param name="Acked">Events acknowledged and marked sent in this pass.</param>
/// <param name="Stalled">True when the pass stopped on a failure rather than on an empty outbox.</param>
public sealed record ForwardResult(int Acked, bool Stalled);
