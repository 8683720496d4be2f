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
    /// Publishes everything unsent that can be published now. Returns the number of events acknowledged,
    /// and whether it stopped because the uplink failed (the caller then backs off).
    /// </summary>
    public async Task<ForwardResult> PublishPendingAsync(CancellationToken cancellationToken)
    {
        var acked = 0;
        long after = 0;
        while (!cancellationToken.IsCancellationRequested && _uplink.IsConnected)
        {
            var window = Math.Max(1, _uplink.MaxInFlight);
            var rows = _journal.ReadUnsent(after, window * 256);
            if (rows.Count == 0)
            {
                return new ForwardResult(acked, Stalled: false);
            }

            var messages = OutboxMessage.Pack(rows);
            if (messages.Count > window)
            {
                messages = [.. messages.Take(window)];
            }

            // Publishes go out in seq order and the broker answers in order, so what is acknowledged
            // before the first failure is a prefix of the window.
            var inFlight = messages.Select(m => _uplink.PublishAsync(m, cancellationToken)).ToArray();
            var sent = new List<long>();
            var failed = false;
            for (var i = 0; i < messages.Count; i++)
            {
                var outcome = await inFlight[i];
                if (failed)
                {
                    continue;
                }

                switch (outcome.Status)
                {
                    case PublishStatus.Acked:
                        AddRange(sent, messages[i]);
                        break;
                    case PublishStatus.Refused when messages[i].Count > 1:
                        LogBatchRefused(messages[i].FirstSeq, messages[i].LastSeq, outcome.Detail);
                        failed = !await RetryOneByOneAsync(messages[i], rows, sent, cancellationToken);
                        break;
                    case PublishStatus.Refused:
                        LogSetAside(messages[i].FirstSeq, outcome.Detail);
                        _journal.SetAside([messages[i].FirstSeq]);
                        break;
                    default:
                        LogNotSent(messages[i].FirstSeq, messages[i].LastSeq, outcome.Detail);
                        failed = true;
                        break;
                }
            }

            if (sent.Count > 0)
            {
                _journal.MarkSent(sent);
                acked += sent.Count;
            }

            if (failed)
            {
                return new ForwardResult(acked, Stalled: true);
            }

            after = messages[^1].LastSeq;
        }

        return new ForwardResult(acked, Stalled: !_uplink.IsConnected);
    }

    private async Task<bool> RetryOneByOneAsync(OutboxMessage batch, IReadOnlyList<JournaledEvent> rows, List<long> sent, CancellationToken cancellationToken)
    {
        foreach (var row in rows.Where(r => r.Seq >= batch.FirstSeq && r.Seq <= batch.LastSeq))
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

    [LoggerMessage(Level = LogLevel.Error, Message = "The broker refused event seq {Seq} ({Detail}); it is set aside in the journal and retried on the next policy change or resync")]
    private partial void LogSetAside(long seq, string? detail);
}

/// <summary>Result of one <see cref="JournalForwarder.PublishPendingAsync"/> pass.</summary>
/// <param name="Acked">Events acknowledged and marked sent in this pass.</param>
/// <param name="Stalled">True when the pass stopped on a failure rather than on an empty outbox.</param>
public sealed record ForwardResult(int Acked, bool Stalled);
